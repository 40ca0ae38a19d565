//! A complaint's dossier for the procurement supervisor deciding it (issue 21 item 5): the
//! complaint, the challenge it is about with the purchaser's answer, the bids opened in the
//! round, whether an evaluation report exists, the suspension order, and the timeline from
//! the notice to the decision, with the clocks still running shown ahead. Once decided, the
//! 投诉处理决定书 (94号令 art. 33: the parties, the facts found and the reasons, the decision,
//! the remedies, the date) prints from the same facts with its document number.

use crate::db::bids::OpenedBid;
use crate::db::challenges::{self as challenges, Challenge, Complaint};
use crate::db::documents;
use crate::db::projects::{self as projects, Project};
use crate::delivery::store::Order;
use crate::domain::docnum::{DocKind, DocNumber};
use crate::platform::error::AppResult;
use crate::procurement::Procurement;
use serde::Serialize;

/// One moment of the case. `deadline`: the end of a period (shown as its last day);
/// `ahead`: a deadline not yet reached.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub at: i64,
    pub key: &'static str,
    pub deadline: bool,
    pub ahead: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Dossier {
    pub complaint: Complaint,
    pub challenge: Challenge,
    pub project: Project,
    pub bids: Vec<OpenedBid>,
    pub has_report: bool,
    pub order: Option<Order>,
    pub timeline: Vec<Step>,
    /// The decision's document number, once decided.
    pub number: Option<DocNumber>,
}

/// The timeline of a case from its facts, in order; deadlines after `now` are `ahead`.
pub fn timeline(
    now: i64,
    notice_at: Option<i64>,
    opened_at: Option<i64>,
    award_notice: Option<(i64, Option<i64>)>,
    ch: &Challenge,
    k: &Complaint,
    order: Option<&Order>,
) -> Vec<Step> {
    let mut steps: Vec<(i64, &'static str, bool)> = Vec::new();
    if let Some(t) = notice_at {
        steps.push((t, "timeline-notice", false));
    }
    if let Some(t) = opened_at {
        steps.push((t, "timeline-opened", false));
    }
    if let Some((at, end)) = award_notice {
        steps.push((at, "timeline-award", false));
        if let Some(end) = end {
            steps.push((end, "timeline-award-end", true));
        }
    }
    steps.push((ch.filed_at, "timeline-challenge", false));
    match ch.answered_at {
        Some(t) => steps.push((t, "timeline-answered", false)),
        None => steps.push((ch.due_at, "timeline-answer-due", true)),
    }
    steps.push((k.filed_at, "timeline-complaint", false));
    if let Some(o) = order {
        steps.push((o.ordered_at, "timeline-order", false));
        if let Some(t) = o.lifted_at {
            steps.push((t, "timeline-order-lifted", false));
        }
    }
    match k.decided_at {
        Some(t) => steps.push((t, "timeline-decided", false)),
        None => steps.push((k.due_at, "timeline-decision-due", true)),
    }
    steps.sort_by_key(|s| s.0);
    steps
        .into_iter()
        .map(|(at, key, deadline)| Step {
            at,
            key,
            deadline,
            ahead: deadline && at > now,
        })
        .collect()
}

impl Procurement<'_> {
    /// The dossier of complaint `id`, if it exists.
    pub async fn complaint_dossier(&self, id: i64) -> AppResult<Option<Dossier>> {
        let mut c = self.db.acquire().await?;
        let Some(k) = challenges::complaint_by_id(&mut c, id).await? else {
            return Ok(None);
        };
        let Some(ch) = challenges::by_id(&mut c, k.challenge_id).await? else {
            return Ok(None);
        };
        let Some(p) = projects::by_id(&mut c, k.project_id).await? else {
            return Ok(None);
        };
        let mut bids = Vec::new();
        let mut opened_at = None;
        for o in crate::db::bids::openings(&mut c, p.id)
            .await?
            .into_iter()
            .filter(|o| o.round == ch.round)
        {
            opened_at = Some(opened_at.map_or(o.opened_at, |t: i64| t.min(o.opened_at)));
            bids.extend(crate::db::bids::opened(&mut c, o.id).await?);
        }
        let award = crate::procurement::award::award_of(&mut c, &p)
            .await?
            .filter(|a| a.round == ch.round)
            .and_then(|a| a.notice_at.map(|t| (t, a.notice_end_at)));
        // The project's notice and report are its current round's: shown for a complaint
        // about that round only.
        let current = ch.round == p.round;
        let has_report = current
            && crate::procurement::panel_scoring::report(&mut c, &p)
                .await?
                .is_some();
        let order = crate::delivery::store::order_of_complaint(&mut c, k.id).await?;
        let number = documents::find(&mut c, DocKind::ComplaintDecision, k.id).await?;
        let timeline = timeline(
            self.clock.now_ms(),
            p.notice_at.filter(|_| current),
            opened_at,
            award,
            &ch,
            &k,
            order.as_ref(),
        );
        Ok(Some(Dossier {
            complaint: k,
            challenge: ch,
            project: p,
            bids,
            has_report,
            order,
            timeline,
            number,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge(filed: i64, due: i64, answered: Option<i64>) -> Challenge {
        Challenge {
            id: 1,
            project_id: 1,
            round: 1,
            org_id: 1,
            org_name: "甲".into(),
            user_id: 1,
            kind: "challenge".into(),
            target: "result".into(),
            step: None,
            body: "质疑".into(),
            filed_at: filed,
            due_at: due,
            suspends: 1,
            answer: answered.map(|_| "答复".into()),
            answered_at: answered,
        }
    }

    fn complaint(filed: i64, due: i64, decided: Option<i64>) -> Complaint {
        Complaint {
            id: 1,
            challenge_id: 1,
            project_id: 1,
            number: "P".into(),
            title: "T".into(),
            org_name: "甲".into(),
            body: "投诉".into(),
            filed_at: filed,
            due_at: due,
            outcome: decided.map(|_| "dismissed".into()),
            findings: decided.map(|_| "事实".into()),
            decision: decided.map(|_| "决定".into()),
            decided_at: decided,
        }
    }

    #[test]
    fn the_timeline_runs_in_order_with_open_clocks_ahead() {
        let ch = challenge(100, 200, Some(150));
        let k = complaint(300, 900, None);
        let p_notice = Some(10);
        let steps: Vec<_> = timeline_for(p_notice, 500, &ch, &k);
        let keys: Vec<_> = steps.iter().map(|s| s.key).collect();
        assert_eq!(
            keys,
            [
                "timeline-notice",
                "timeline-opened",
                "timeline-challenge",
                "timeline-answered",
                "timeline-complaint",
                "timeline-decision-due"
            ]
        );
        let deadlines: Vec<_> = steps.iter().filter(|s| s.deadline).map(|s| s.key).collect();
        assert_eq!(deadlines, ["timeline-decision-due"]);
        // The decision is due at 900: ahead at 500, at 899 and not at 900.
        assert!(steps.last().is_some_and(|s| s.ahead));
        assert!(timeline_for(p_notice, 899, &ch, &k)
            .last()
            .is_some_and(|s| s.ahead));
        assert!(!timeline_for(p_notice, 900, &ch, &k)
            .last()
            .is_some_and(|s| s.ahead));
    }

    #[test]
    fn an_unanswered_challenge_shows_its_answer_deadline_and_a_decided_case_its_decision() {
        let ch = challenge(100, 200, None);
        let k = complaint(300, 900, Some(400));
        let steps = timeline_for(None, 1000, &ch, &k);
        let keys: Vec<_> = steps.iter().map(|s| s.key).collect();
        assert_eq!(
            keys,
            [
                "timeline-opened",
                "timeline-challenge",
                "timeline-answer-due",
                "timeline-complaint",
                "timeline-decided"
            ]
        );
        assert!(steps.iter().all(|s| !s.ahead));
    }

    fn timeline_for(notice: Option<i64>, now: i64, ch: &Challenge, k: &Complaint) -> Vec<Step> {
        timeline(now, notice, Some(50), None, ch, k, None)
    }
}
