//! The steps of a project's procedure as the routes take them: each one write transaction on
//! the project row, locked, then the step (`procurement`, `review`, `panel`), then the commit.
//! A refusal writes nothing and comes back with the project as it was read under the lock, for
//! the form that shows it.

use crate::db::projects::{self as store, Project};
use crate::db::Tx;
use crate::platform::audit::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::UserId;
use crate::procurement::review::Outcome;
use crate::procurement::Procurement;
use serde_json::json;
use std::collections::HashMap;

/// A step refused: the project as read, and the message key.
pub type Refused = (Project, &'static str);

impl Procurement<'_> {
    /// A write transaction holding the project's row.
    async fn locked(&self, id: i64) -> AppResult<(Tx, Project)> {
        let mut tx = self.db.begin_write().await?;
        let p = store::lock(&mut tx, id, self.db.for_update())
            .await?
            .ok_or(AppError::NotFound)?;
        Ok((tx, p))
    }

    /// Commits on success; a refusal rolls back and carries the project.
    async fn settle<T>(
        tx: Tx,
        p: Project,
        r: Result<T, &'static str>,
    ) -> AppResult<Result<T, Refused>> {
        match r {
            Ok(v) => {
                tx.commit().await?;
                Ok(Ok(v))
            }
            Err(key) => {
                drop(tx);
                Ok(Err((p, key)))
            }
        }
    }

    /// Publishes the answer to a question.
    pub async fn answer_question(
        &self,
        id: i64,
        question: i64,
        body: &str,
        affects: bool,
        user: UserId,
    ) -> AppResult<()> {
        let (mut tx, p) = self.locked(id).await?;
        self.answer(&mut tx, &p, question, body, affects, user.0)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Publishes an amendment: the deadline before it, and after.
    pub async fn publish_amendment(
        &self,
        id: i64,
        body: &str,
        affects: bool,
        user: UserId,
    ) -> AppResult<(Option<i64>, i64)> {
        let (mut tx, p) = self.locked(id).await?;
        let before = p.deadline_at;
        let after = self.amend(&mut tx, &p, body, affects, None, user.0).await?;
        tx.commit().await?;
        Ok((before, after))
    }

    /// Competitive consultation: the call for sealed final quotes by `deadline`.
    pub async fn call_final_quotes(
        &self,
        id: i64,
        deadline: i64,
        user: UserId,
    ) -> AppResult<Result<(), Refused>> {
        let (mut tx, p) = self.locked(id).await?;
        let r = self.call_final(&mut tx, &p, deadline, user.0).await?;
        Self::settle(tx, p, r).await
    }

    /// The purchaser's qualification check of every opened bid.
    pub async fn qualify_bids(
        &self,
        id: i64,
        decisions: &HashMap<i64, (bool, String)>,
        user: UserId,
    ) -> AppResult<Result<Outcome, Refused>> {
        let (mut tx, p) = self.locked(id).await?;
        let r = self.qualify(&mut tx, &p, decisions, user.0).await?;
        Self::settle(tx, p, r).await
    }

    /// The panel's compliance check of the qualified bids.
    pub async fn comply_bids(
        &self,
        id: i64,
        decisions: &HashMap<i64, (bool, String)>,
        user: UserId,
    ) -> AppResult<Result<Outcome, Refused>> {
        let (mut tx, p) = self.locked(id).await?;
        let r = self.comply(&mut tx, &p, decisions, user.0).await?;
        Self::settle(tx, p, r).await
    }

    /// Draws the panel of `size` with the department's `representatives`.
    pub async fn draw_panel_of(
        &self,
        id: i64,
        size: usize,
        representatives: &[i64],
        user: UserId,
    ) -> AppResult<Result<i64, Refused>> {
        let (mut tx, p) = self.locked(id).await?;
        let r = self
            .draw_panel(&mut tx, &p, size, representatives, user.0)
            .await?;
        Self::settle(tx, p, r).await
    }

    /// Recuses a panelist for `reason`; the next candidate in the draw's order is seated.
    pub async fn recuse_member(
        &self,
        id: i64,
        member: i64,
        reason: &str,
        user: UserId,
    ) -> AppResult<Result<(), Refused>> {
        let (mut tx, p) = self.locked(id).await?;
        let r = self.recuse(&mut tx, &p, member, reason, user.0).await?;
        Self::settle(tx, p, r).await
    }

    /// A seated panelist's declaration of no conflict: the sheet opens.
    pub async fn declare_no_conflict(&self, member: i64, user: UserId) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        crate::db::panel::declare(&mut tx, member, self.clock.now_ms()).await?;
        self.audit(
            &mut tx,
            Actor::User(user),
            "panel.declared",
            ("panel_member", member),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A panelist's scoring sheet, submitted once: `(bid, criterion position, centi-points)`.
    pub async fn submit_scores(
        &self,
        member: i64,
        scores: &[(i64, i64, i64)],
        user: UserId,
    ) -> AppResult<()> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        if !crate::db::panel::submit(&mut tx, member, now).await? {
            return Err(AppError::Conflict("err-panel-sheet-closed"));
        }
        for (bid, pos, centi) in scores {
            crate::db::panel::add_score(&mut tx, member, *bid, *pos, *centi).await?;
        }
        self.audit(
            &mut tx,
            Actor::User(user),
            "panel.scored",
            ("panel_member", member),
            json!({ "scores": scores.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A bidder's inquiry or challenge on the project.
    pub async fn file_challenge_on(
        &self,
        id: i64,
        filing: &crate::procurement::challenge::Filing<'_>,
    ) -> AppResult<Result<i64, Refused>> {
        let (mut tx, p) = self.locked(id).await?;
        let r = self.file_challenge(&mut tx, &p, filing).await?;
        Self::settle(tx, p, r).await
    }

    /// The organization's complaint about its challenge `challenge` on the project.
    pub async fn complain_on(
        &self,
        id: i64,
        org: i64,
        challenge: i64,
        body: &str,
        user: UserId,
    ) -> AppResult<Result<i64, Refused>> {
        let (mut tx, p) = self.locked(id).await?;
        let ch = crate::procurement::challenge::by_id(&mut tx, challenge)
            .await?
            .filter(|c| c.project_id == p.id && c.org_id == org)
            .ok_or(AppError::NotFound)?;
        let r = self.complain(&mut tx, &p, &ch, body, user.0).await?;
        Self::settle(tx, p, r).await
    }

    /// The procurement supervisor's decision of a complaint.
    pub async fn decide_complaint_by_id(
        &self,
        id: i64,
        outcome: &str,
        decision: &str,
        user: UserId,
    ) -> AppResult<Result<(), &'static str>> {
        let mut tx = self.db.begin_write().await?;
        let k = crate::procurement::challenge::complaint_by_id(&mut tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        match self
            .decide_complaint(&mut tx, &k, outcome, decision, user.0)
            .await?
        {
            Ok(()) => {
                tx.commit().await?;
                Ok(Ok(()))
            }
            Err(key) => {
                drop(tx);
                Ok(Err(key))
            }
        }
    }

    /// An organization obtains the project's documents (audited the first time).
    pub async fn obtain_documents(&self, p: &Project, org: i64, user: UserId) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        let first = self.obtain(&mut tx, p, org, user.0).await?;
        if first {
            self.audit(
                &mut tx,
                Actor::User(user),
                "project.documents_obtained",
                ("project", p.id),
                json!({ "org": org }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// An organization's question about the project.
    pub async fn ask_question(
        &self,
        p: &Project,
        org: i64,
        user: UserId,
        body: &str,
    ) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        self.ask(&mut tx, p, org, user.0, body).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The service categories an organization follows (known codes, sorted, once each).
    pub async fn set_follows(&self, by: UserId, org: i64, chosen: &[String]) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        store::set_follows(&mut tx, org, chosen, self.clock.now_ms()).await?;
        self.audit(
            &mut tx,
            Actor::User(by),
            "org.categories_followed",
            ("org", org),
            json!({ "categories": chosen }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
