//! The steps of a project's procedure as the routes take them: each one write transaction on
//! the project row, locked, then the step (`procurement`, `review`, `panel`), then the commit.
//! A refusal writes nothing and comes back with the project as it was read under the lock, for
//! the form that shows it.

use crate::db::projects::{self as store, Project};
use crate::db::Tx;
use crate::delivery::contract::{check_plan, Draft, PlanLine};
use crate::domain::qualdocs::Requirement;
use crate::platform::audit::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::UserId;
use crate::procurement::award::{award_of, winners};
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

    /// The purchaser's qualification check of every opened bid, with the check of each size
    /// declaration (`declarations`: bid → accepted, reason), in one transaction.
    pub async fn qualify_bids(
        &self,
        id: i64,
        decisions: &HashMap<i64, (bool, String)>,
        declarations: &HashMap<i64, (bool, String)>,
        user: UserId,
    ) -> AppResult<Result<Outcome, Refused>> {
        let (mut tx, p) = self.locked(id).await?;
        let mut r = self.qualify(&mut tx, &p, decisions, user.0).await?;
        if r.is_ok() {
            if let Err(key) = self
                .check_declarations(&mut tx, &p, declarations, user.0)
                .await?
            {
                r = Err(key);
            }
        }
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
        crate::db::panel::clear_draft(&mut tx, member).await?;
        self.audit(
            &mut tx,
            Actor::User(user),
            "panel.scored",
            ("panel_member", member),
            json!({ "scores": scores.len() }),
        )
        .await?;
        self.draw_rank_seed(&mut tx, member, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// With the last seated panelist's sheet, the seed of the ranking's draw (issue 22, item 1):
    /// drawn now, when every score is fixed, and recorded; never the panel draw's seed, which
    /// was known before anyone scored (87号令 art. 68: a tie the documents leave open is drawn).
    async fn draw_rank_seed(
        &self,
        c: &mut crate::db::Conn,
        member: i64,
        now: i64,
    ) -> AppResult<()> {
        let (panel, all) = crate::db::panel::all_submitted(c, member).await?;
        if !all {
            return Ok(());
        }
        let seed = self.draws.next_seed().to_string();
        if crate::db::panel::set_rank_seed(c, panel, &seed, now).await? {
            self.audit(
                c,
                Actor::System,
                "panel.rank_seed",
                ("panel", panel),
                json!({ "seed": seed }),
            )
            .await?;
        }
        Ok(())
    }

    /// Saves a panelist's sheet as typed, to finish later; a sheet already submitted is not
    /// a draft any more.
    pub async fn save_score_draft(
        &self,
        member: i64,
        cells: &[(String, String)],
    ) -> AppResult<Result<(), &'static str>> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let Some((_, _, status, declared, submitted, _)) =
            crate::db::panel::seat(&mut tx, member).await?
        else {
            return Err(AppError::NotFound);
        };
        if crate::domain::award::SeatStatus::parse(&status)
            != Some(crate::domain::award::SeatStatus::Seated)
            || declared.is_none()
            || submitted.is_some()
        {
            return Ok(Err("err-panel-sheet-closed"));
        }
        crate::db::panel::save_draft(&mut tx, member, cells, now).await?;
        tx.commit().await?;
        Ok(Ok(()))
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
        ruling: &crate::procurement::challenge::Ruling<'_>,
        user: UserId,
    ) -> AppResult<Result<(), &'static str>> {
        let mut tx = self.db.begin_write().await?;
        let k = crate::procurement::challenge::complaint_by_id(&mut tx, id)
            .await?
            .ok_or(AppError::NotFound)?;
        match self.decide_complaint(&mut tx, &k, ruling, user.0).await? {
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

    /// An organization obtains the current version of the project's documents (audited when
    /// it is the first or a newer version).
    pub async fn obtain_documents(&self, p: &Project, org: i64, user: UserId) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        if let Some(version) = self.obtain(&mut tx, p, org, user.0).await? {
            self.audit(
                &mut tx,
                Actor::User(user),
                "project.documents_obtained",
                ("project", p.id),
                json!({ "org": org, "version": version }),
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

/// Why a contract was not signed: the plan's message, the form's other fields incomplete, or
/// the step refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignRefusal {
    Plan(&'static str),
    Incomplete,
    Step(&'static str),
}

/// The contract's term as the form gave it: first and last day and, for a term beyond the
/// usual, its reason.
pub struct Term {
    pub starts_on: time::Date,
    pub ends_on: time::Date,
    pub reason: String,
}

impl Procurement<'_> {
    /// A new draft project with its criteria and required qualification documents; refused
    /// when its number is taken.
    pub async fn create_project(
        &self,
        p: &store::NewProject<'_>,
        criteria: &[store::Criterion],
        qual_docs: &[Requirement],
        user: UserId,
    ) -> AppResult<Result<i64, &'static str>> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        if store::number_taken(&mut tx, p.number).await? {
            return Ok(Err("err-project-number-taken"));
        }
        let id = store::create(&mut tx, p, user.0, now).await?;
        store::set_criteria(&mut tx, id, criteria).await?;
        crate::db::qual_docs::set(&mut tx, id, qual_docs).await?;
        store::add_event(
            &mut tx,
            id,
            1,
            "created",
            &json!({ "number": p.number }),
            Some(user.0),
            now,
        )
        .await?;
        self.audit(
            &mut tx,
            Actor::User(user),
            "project.created",
            ("project", id),
            json!({ "number": p.number }),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(id))
    }

    /// Saves a draft again (only while it is a draft).
    pub async fn save_draft(
        &self,
        id: i64,
        p: &store::NewProject<'_>,
        criteria: &[store::Criterion],
        qual_docs: &[Requirement],
        user: UserId,
    ) -> AppResult<()> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        if store::update_draft(&mut tx, id, p, now).await? != 1 {
            return Err(AppError::Conflict("err-project-frozen"));
        }
        store::set_criteria(&mut tx, id, criteria).await?;
        crate::db::qual_docs::set(&mut tx, id, qual_docs).await?;
        self.audit(
            &mut tx,
            Actor::User(user),
            "project.draft_saved",
            ("project", id),
            json!({}),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a procurement intention and publishes it.
    pub async fn add_intention(
        &self,
        i: &crate::db::intentions::NewIntention<'_>,
        user: UserId,
    ) -> AppResult<i64> {
        let mut tx = self.db.begin_write().await?;
        let id = crate::db::intentions::add_intention(&mut tx, i).await?;
        self.publish_intention(&mut tx, id, user.0).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Publishes a draft; refused with the earliest lawful deadline when its own is too soon,
    /// or for a missing reason or approval (`PublishRefusal`).
    pub async fn publish_project(
        &self,
        id: i64,
        intention_reason: Option<&str>,
        user: UserId,
    ) -> AppResult<Result<(), crate::procurement::publication::PublishRefusal>> {
        let (mut tx, p) = self.locked(id).await?;
        let r = self.publish(&mut tx, &p, intention_reason, user.0).await?;
        if r.is_ok() {
            tx.commit().await?;
        }
        Ok(r)
    }

    /// Cancels a draft or published project with its reason.
    pub async fn cancel_project(&self, id: i64, reason: &str, user: UserId) -> AppResult<()> {
        let (mut tx, p) = self.locked(id).await?;
        self.cancel(&mut tx, &p, reason, user.0).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Prepares a failed round again as a new round.
    pub async fn republish_project(&self, id: i64, user: UserId) -> AppResult<()> {
        let (mut tx, p) = self.locked(id).await?;
        self.republish(&mut tx, &p, user.0).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The purchaser confirms the award to the first-ranked.
    pub async fn confirm_award(&self, id: i64, user: UserId) -> AppResult<Result<(), Refused>> {
        let (mut tx, p) = self.locked(id).await?;
        let a = award_of(&mut tx, &p).await?.ok_or(AppError::NotFound)?;
        let r = self.confirm(&mut tx, &p, &a, Some(user.0)).await?;
        Self::settle(tx, p, r).await
    }

    /// Passes a winner over (refused to sign, or disqualified) with the reason.
    pub async fn pass_over_winner(
        &self,
        id: i64,
        winner: i64,
        kind: &str,
        reason: &str,
        user: UserId,
    ) -> AppResult<Result<(), Refused>> {
        let (mut tx, p) = self.locked(id).await?;
        let a = award_of(&mut tx, &p).await?.ok_or(AppError::NotFound)?;
        let r = self
            .pass_over(&mut tx, &p, &a, winner, kind, reason, user.0)
            .await?;
        Self::settle(tx, p, r).await
    }

    /// Answers an inquiry or a challenge on the project.
    pub async fn answer_challenge_of(
        &self,
        id: i64,
        challenge: i64,
        answer: &str,
        user: UserId,
    ) -> AppResult<Result<(), Refused>> {
        let (mut tx, p) = self.locked(id).await?;
        let ch = crate::procurement::challenge::by_id(&mut tx, challenge)
            .await?
            .filter(|c| c.project_id == p.id)
            .ok_or(AppError::NotFound)?;
        let r = self
            .answer_challenge(&mut tx, &p, &ch, answer, user.0)
            .await?;
        Self::settle(tx, p, r).await
    }

    /// Signs the contract with a winner: the plan is checked against the winner's amount, the
    /// term (when the form gave a valid one) against the rules, in one transaction.
    pub async fn sign_contract(
        &self,
        id: i64,
        winner: Option<i64>,
        mode: &str,
        lines: &[PlanLine],
        term: Option<Term>,
        user: UserId,
    ) -> AppResult<Result<i64, (Project, SignRefusal)>> {
        let (mut tx, p) = self.locked(id).await?;
        let a = award_of(&mut tx, &p).await?.ok_or(AppError::NotFound)?;
        let w = winners(&mut tx, a.id)
            .await?
            .into_iter()
            .find(|w| Some(w.id) == winner)
            .ok_or(AppError::NotFound)?;
        let plan = match check_plan(w.amount_fen, mode, lines) {
            Ok(plan) => plan,
            Err(k) => return Ok(Err((p, SignRefusal::Plan(k)))),
        };
        let Some(term) = term else {
            return Ok(Err((p, SignRefusal::Incomplete)));
        };
        let d = Draft {
            starts_on: term.starts_on,
            ends_on: term.ends_on,
            term_reason: term.reason,
            plan,
        };
        match self.sign(&mut tx, &p, &a, &w, &d, user.0).await? {
            Ok(k) => {
                tx.commit().await?;
                Ok(Ok(k))
            }
            Err(key) => Ok(Err((p, SignRefusal::Step(key)))),
        }
    }

    /// Records the contract's filing with the finance department; the project's id on success.
    pub async fn file_contract(
        &self,
        contract: i64,
        project: i64,
        reference: &str,
        user: UserId,
    ) -> AppResult<Result<i64, Refused>> {
        let (mut tx, p) = self.locked(project).await?;
        let k = crate::delivery::contract::by_id(&mut tx, contract)
            .await?
            .filter(|k| k.project_id == p.id)
            .ok_or(AppError::NotFound)?;
        let r = self
            .record_filing(&mut tx, &k, reference, user.0)
            .await?
            .map(|()| p.id);
        Self::settle(tx, p, r).await
    }
}
