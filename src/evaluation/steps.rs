//! An expert's and an officer's steps in a round, as the routes take them: the expert's
//! declaration of conflicts and scores (drafts, then one submission), the committee meeting and
//! the public notice. Each one write transaction with its audit entry.

use super::{centi, Evaluation};
use crate::db::evaluation::{self as store, Assignment, Round, Score};
use crate::db::settings;
use crate::domain::calendar::iso_date;
use crate::domain::eval_life::RoundAction;
use crate::domain::evaluation::Thresholds;
use crate::domain::scoring::{self, Entry};
use crate::platform::audit::Actor;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::UserId;
use serde_json::json;
use std::collections::BTreeMap;

/// The committee's decision on one application: (application, grade or none, votes for,
/// reason for a change from the proposal; empty if none).
pub type CommitteeDecision = (i64, Option<&'static str>, i64, String);

/// The committee meeting as recorded: its date, size and attendance, and the applications it
/// decided on (how many the round has, and how many are still in review).
pub struct Meeting<'a> {
    pub held_on: time::Date,
    pub members: i64,
    pub present: i64,
    pub applications: usize,
    pub in_review: usize,
    pub decided: &'a [CommitteeDecision],
}

impl Evaluation<'_> {
    /// The expert's declaration on an assignment: no conflict (`None`), or the conflict.
    pub async fn declare_conflict(
        &self,
        by: UserId,
        assignment: i64,
        conflict: Option<&str>,
    ) -> AppResult<()> {
        let mut tx = self.db.begin_write().await?;
        if !store::declare(&mut tx, assignment, conflict, self.clock.now_ms()).await? {
            return Err(AppError::Conflict("err-declare-done"));
        }
        self.audit(
            &mut tx,
            Actor::User(by),
            "evaluation.conflict_declared",
            ("eval_assignment", assignment),
            json!({ "conflict": conflict.is_some() }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Saves the expert's scores (a blank one is cleared) and, when `submitting`, locks them
    /// and refreshes the application's proposal.
    pub async fn save_scores(
        &self,
        by: UserId,
        a: &Assignment,
        entries: &BTreeMap<String, Entry>,
        submitting: bool,
    ) -> AppResult<()> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let fresh = store::assignment_by_id(&mut tx, a.id)
            .await?
            .ok_or(AppError::NotFound)?;
        if fresh.submitted_at.is_some() {
            return Err(AppError::Conflict("err-score-locked"));
        }
        for (code, e) in entries {
            match e.score {
                Some(v) => {
                    let s = Score {
                        assignment_id: a.id,
                        item_code: code.clone(),
                        centi: centi(v),
                        comment: e.comment.clone(),
                    };
                    store::save_score(&mut tx, &s, now).await?;
                }
                None => store::clear_score(&mut tx, a.id, code).await?,
            }
        }
        if submitting {
            if !store::submit(&mut tx, a.id, now).await? {
                return Err(AppError::Conflict("err-score-locked"));
            }
            self.refresh_proposal(&mut tx, a.app_id).await?;
        }
        self.audit(
            &mut tx,
            Actor::User(by),
            if submitting {
                "evaluation.scores_submitted"
            } else {
                "evaluation.scores_saved"
            },
            ("eval_assignment", a.id),
            json!({ "application": a.app_id, "items": entries.values().filter(|e| e.score.is_some()).count() }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records the committee meeting and its decisions; the round moves on.
    pub async fn hold_committee(&self, by: UserId, r: &Round, m: &Meeting<'_>) -> AppResult<()> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        if !store::advance_round(
            &mut tx,
            r.id,
            r.status,
            RoundAction::HoldCommittee {
                applications: m.applications,
                in_review: m.in_review,
            },
            [
                ("committee_on", Some(iso_date(m.held_on))),
                ("notice_to", None),
            ],
        )
        .await?
        {
            return Err(AppError::Conflict("err-round-state"));
        }
        store::set_committee(&mut tx, r.id, &iso_date(m.held_on), m.members, m.present).await?;
        for (app, grade, votes, reason) in m.decided {
            let reason = (!reason.is_empty()).then_some(reason.as_str());
            store::record_decision(
                &mut tx,
                &store::NewDecision {
                    app: *app,
                    body: "committee",
                    grade: *grade,
                    members: m.members,
                    present: m.present,
                    votes_for: *votes,
                    reason,
                    objection: None,
                    by: Some(by.0),
                    on: &iso_date(m.held_on),
                    at: now,
                },
            )
            .await?;
        }
        self.audit(
            &mut tx,
            Actor::User(by),
            "evaluation.committee",
            ("eval_round", r.id),
            json!({ "held_on": iso_date(m.held_on), "members": m.members, "present": m.present,
                    "decisions": m.decided.iter().map(|(a, g, v, why)| json!({ "application": a, "grade": g, "votes": v, "reason": why })).collect::<Vec<_>>() }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Publishes the round's notice from today for its notice period.
    pub async fn publish_notice(&self, by: UserId, r: &Round) -> AppResult<()> {
        let today = self.today();
        let to = today + time::Duration::days(r.notice_days.max(1) - 1);
        let mut tx = self.db.begin_write().await?;
        if !store::advance_round(
            &mut tx,
            r.id,
            r.status,
            RoundAction::PublishNotice,
            [
                ("notice_from", Some(iso_date(today))),
                ("notice_to", Some(iso_date(to))),
            ],
        )
        .await?
        {
            return Err(AppError::Conflict("err-round-state"));
        }
        self.audit(
            &mut tx,
            Actor::User(by),
            "evaluation.notice_published",
            ("eval_round", r.id),
            json!({ "from": iso_date(today), "to": iso_date(to) }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opens a round with the thresholds, bars, notice period and aggregate of the settings
    /// in force (their version recorded with it).
    pub async fn open_round(&self, by: UserId, r: &NewRoundForm<'_>) -> AppResult<i64> {
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let s = settings::snapshot(&mut tx, now).await?;
        let int = |k: &str, d: i64| s.int(k).unwrap_or(d);
        let th = Thresholds {
            a5: int("evaluation.threshold.5a", 950).into(),
            a4: int("evaluation.threshold.4a", 900).into(),
            a3: int("evaluation.threshold.3a", 850).into(),
            a2: int("evaluation.threshold.2a", 800).into(),
            a1: int("evaluation.threshold.1a", 700).into(),
        };
        let bars: Vec<&str> = [
            "missed_inspection",
            "basic_pass_twice",
            "open_investigation",
            "unexecuted_penalty",
        ]
        .into_iter()
        .filter(|b| s.get(&format!("evaluation.bar.{b}")) == Some("true"))
        .collect();
        let thresholds = scoring::format_thresholds(&th);
        let bars = bars.join(",");
        let id = store::create_round(
            &mut tx,
            &store::NewRound {
                authority_id: r.authority,
                year: r.year,
                title: r.title,
                apply_from: &iso_date(r.apply_from),
                apply_to: &iso_date(r.apply_to),
                scoring_due: &iso_date(r.scoring_due),
                notice_days: int("evaluation.notice_days", 7),
                thresholds: &thresholds,
                aggregate: s.get("evaluation.aggregate").unwrap_or("mean"),
                upgrade_allowed: s.get("evaluation.upgrade_allowed") == Some("true"),
                bars: &bars,
                settings_version: s.version,
                // Issue 22, item 14: the disagreement threshold in force when the round opens.
                disagreement_pct: int(
                    "evaluation.disagreement_percent",
                    crate::domain::evaluation::DEFAULT_DISAGREEMENT_PERCENT,
                ),
                created_by: by.0,
            },
            now,
        )
        .await?;
        self.audit(
            &mut tx,
            Actor::User(by),
            "evaluation.round_opened",
            ("eval_round", id),
            json!({ "year": r.year, "title": r.title, "thresholds": thresholds, "bars": bars,
                    "settings_version": s.version }),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}

/// A round as the officer opens it: the authority, year, title and dates.
pub struct NewRoundForm<'a> {
    pub authority: i64,
    pub year: i64,
    pub title: &'a str,
    pub apply_from: time::Date,
    pub apply_to: time::Date,
    pub scoring_due: time::Date,
}
