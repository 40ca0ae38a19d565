//! Inquiries, challenges and complaints (DOMAIN §5). An inquiry (询问) is answered within 3
//! working days. A bidder challenges (质疑) the documents, the process or the result within 7
//! working days of the relevant date (the notice, the opening, the end of the award notice);
//! the purchaser answers within 7 working days, and a challenge against the process or the
//! result (`suspends`, set at filing) holds signing while it is unanswered, and suspends a
//! signed contract when filed after signing (the holds are the contract lifecycle's, in
//! `delivery::rules`). A complaint (投诉) goes to the procurement supervisor within 15 working days after the end of the answer period (also when
//! no answer came); the supervisor decides within 30 working days and may, meanwhile, order the
//! procurement suspended for at most 30 days (`delivery::suspension`).

use crate::db::challenges::{self as challenges, NewChallenge, NewComplaint};
use crate::db::projects::{self as store, Project};
use crate::db::Conn;
use crate::deadlines::DueClock;
use crate::domain::challenge::{transition, Action, Facts, Kind, Outcome, ProcessStep};
use crate::platform::audit::Actor;
use crate::platform::error::AppResult;
use crate::platform::ids::UserId;
use crate::procurement::award::{award_of, count_working_days, working_days_after};
use crate::procurement::Procurement;
use serde_json::json;

pub use crate::db::challenges::{
    by_id, complaint_by_id, complaint_of, complaints, of_project, Challenge, Complaint,
};

/// The lifecycle's facts of a challenge and its complaint at `now` (`last`: the last instant a
/// complaint may be filed, where the action needs it).
fn facts(ch: &Challenge, complaint: Option<&Complaint>, now: i64, last: i64) -> Facts {
    Facts {
        kind: Kind::parse(&ch.kind).unwrap_or(Kind::Challenge),
        now,
        answer_due: ch.due_at,
        complaint_last: last,
        answered: ch.answered_at.is_some(),
        complaint: complaint.map(|k| {
            k.decided_at
                .and(k.outcome.as_deref())
                .and_then(Outcome::parse)
        }),
    }
}

/// Whether the organization took part in the round (a sealed or opened bid, or it obtained
/// the documents): only those inquire, challenge and complain.
pub async fn took_part(c: &mut Conn, p: &Project, org: i64) -> AppResult<bool> {
    Ok(challenges::took_part(c, p.id, p.round, org).await?)
}

/// The moment the 7 working days of a challenge run from (实施条例 art. 53): for the documents,
/// when the organization obtained them (or the notice, if it did not); for the process, the end
/// of the step challenged (`step`; the opening when none is named); the end of the award notice
/// (result). `None` while it has not happened.
pub async fn relevant_date(
    c: &mut Conn,
    p: &Project,
    org: i64,
    target: &str,
    step: Option<ProcessStep>,
) -> AppResult<Option<i64>> {
    Ok(match target {
        "documents" => {
            let obtained = crate::db::project_qa::obtained_at(c, p.id, p.round, org).await?;
            obtained.or(p.notice_at)
        }
        "process" => step_ended(c, p, step.unwrap_or(ProcessStep::Opening)).await?,
        "result" => award_of(c, p).await?.and_then(|a| a.notice_end_at),
        _ => None,
    })
}

/// When a step of the round's procedure ended, if it has.
pub async fn step_ended(c: &mut Conn, p: &Project, step: ProcessStep) -> AppResult<Option<i64>> {
    if step == ProcessStep::Opening {
        return Ok(crate::procurement::review::opening_of(c, p)
            .await?
            .map(|o| o.opened_at));
    }
    let mut ended: Option<i64> = None;
    for kind in step.ending_events() {
        if let Some(at) = store::event_at(c, p.id, p.round, kind).await? {
            ended = Some(ended.map_or(at, |e| e.min(at)));
        }
    }
    Ok(ended)
}

/// One step's challenge window as a bidder sees it: when the step ended and the last instant a
/// challenge to it may be filed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepWindow {
    pub step: ProcessStep,
    pub ended_at: Option<i64>,
    pub last: Option<i64>,
}

impl Procurement<'_> {
    /// The windows of the round's process steps.
    pub async fn step_windows(&self, c: &mut Conn, p: &Project) -> AppResult<Vec<StepWindow>> {
        let mut out = Vec::new();
        for step in ProcessStep::ALL {
            let ended_at = step_ended(c, p, *step).await?;
            let last = match ended_at {
                Some(at) => Some(working_days_after(self, c, at, 7).await?),
                None => None,
            };
            out.push(StepWindow {
                step: *step,
                ended_at,
                last,
            });
        }
        Ok(out)
    }
}

/// The longest findings or decision text, in characters.
pub const RULING_MAX: usize = 10_000;

/// A complaint decision as the supervisor writes it.
pub struct Ruling<'a> {
    pub outcome: &'a str,
    pub findings: &'a str,
    pub decision: &'a str,
}

pub struct Filing<'a> {
    pub org: i64,
    pub user: i64,
    pub kind: &'a str,
    pub target: &'a str,
    /// The step a challenge to the process is about (`ProcessStep` code).
    pub step: &'a str,
    pub body: &'a str,
}

impl Procurement<'_> {
    /// Files an inquiry or a challenge. `Ok(Err(key))` is a refusal shown on the form.
    pub async fn file_challenge(
        &self,
        c: &mut Conn,
        p: &Project,
        f: &Filing<'_>,
    ) -> AppResult<Result<i64, &'static str>> {
        let len = f.body.trim().chars().count();
        if !(10..=5000).contains(&len) {
            return Ok(Err("err-challenge-body"));
        }
        if !matches!(f.kind, "inquiry" | "challenge") {
            return Ok(Err("err-challenge-kind"));
        }
        if !matches!(f.target, "documents" | "process" | "result") {
            return Ok(Err("err-challenge-target"));
        }
        if !took_part(c, p, f.org).await? {
            return Ok(Err("err-challenge-not-bidder"));
        }
        // A challenge to the process names its step: each step's result opens its own 7
        // working days (实施条例 art. 53). An inquiry may name one.
        let step = match (f.target, ProcessStep::parse(f.step)) {
            ("process", Some(s)) => Some(s),
            ("process", None) if f.kind == "challenge" => return Ok(Err("err-challenge-step")),
            _ => None,
        };
        let now = self.clock.now_ms();
        let (counted, suspends) = if f.kind == "inquiry" {
            (count_working_days(self, c, now, 3).await?, false)
        } else {
            let Some(from) = relevant_date(c, p, f.org, f.target, step).await? else {
                return Ok(Err("err-challenge-too-early"));
            };
            if now > working_days_after(self, c, from, 7).await? {
                return Ok(Err("err-challenge-late"));
            }
            // A challenge to the process or the result could change the result: it holds
            // signing while open (see `signing_suspended`).
            (
                count_working_days(self, c, now, 7).await?,
                f.target != "documents",
            )
        };
        let due = counted.end_ms;
        let id = challenges::add(
            c,
            &NewChallenge {
                project: p.id,
                round: p.round,
                org: f.org,
                user: f.user,
                kind: f.kind,
                target: f.target,
                step: step.map(ProcessStep::code),
                body: f.body.trim(),
                filed_at: now,
                due_at: due,
                suspends,
            },
        )
        .await?;
        counted.record(c, DueClock::Answer, id, now).await?;
        // The history shows that a challenge came and when, not who filed it.
        store::add_event(
            c,
            p.id,
            p.round,
            if f.kind == "inquiry" {
                "inquiry"
            } else {
                "challenge"
            },
            &json!({ "challenge": id, "target": f.target, "step": step, "due_at": due,
                     "suspends": suspends }),
            None,
            now,
        )
        .await?;
        self.audit(
            c,
            Actor::User(UserId(f.user)),
            "challenge.filed",
            ("challenge", id),
            json!({ "project": p.id, "kind": f.kind, "target": f.target, "suspends": suspends }),
        )
        .await?;
        self.mail(
            c,
            p.created_by,
            json!({ "event": "challenge_filed", "title": p.title, "number": p.number,
                    "inquiry": f.kind == "inquiry", "due": due,
                    "link": format!("purchase/projects/{}/award#challenges", p.id) }),
        )
        .await?;
        Ok(Ok(id))
    }

    /// The purchaser's answer, once; mailed to the one who asked.
    pub async fn answer_challenge(
        &self,
        c: &mut Conn,
        p: &Project,
        ch: &Challenge,
        answer: &str,
        user: i64,
    ) -> AppResult<Result<(), &'static str>> {
        let now = self.clock.now_ms();
        let complaint = complaint_of(c, ch.id).await?;
        if let Err(key) = transition(facts(ch, complaint.as_ref(), now, i64::MAX), Action::Answer) {
            return Ok(Err(key));
        }
        let len = answer.trim().chars().count();
        if !(4..=5000).contains(&len) {
            return Ok(Err("err-challenge-answer"));
        }
        // Compare-and-set: an answer given meanwhile by someone else is not overwritten.
        if !challenges::answer(c, ch.id, answer.trim(), user, now).await? {
            return Ok(Err("err-challenge-answered"));
        }
        store::add_event(
            c,
            p.id,
            p.round,
            "challenge_answered",
            &json!({ "challenge": ch.id, "late": now > ch.due_at }),
            Some(user),
            now,
        )
        .await?;
        self.audit(
            c,
            Actor::User(UserId(user)),
            "challenge.answered",
            ("challenge", ch.id),
            json!({ "project": p.id, "late": now > ch.due_at }),
        )
        .await?;
        self.mail(
            c,
            ch.user_id,
            json!({ "event": "challenge_answer", "title": p.title, "number": p.number,
                    "inquiry": ch.kind == "inquiry", "question": ch.body, "answer": answer.trim(),
                    "link": format!("projects/{}/challenges", p.number) }),
        )
        .await?;
        Ok(Ok(()))
    }

    /// A complaint about a challenge: after the answer (or the end of the answer period with
    /// none) and within 15 working days after the end of the answer period.
    pub async fn complain(
        &self,
        c: &mut Conn,
        p: &Project,
        ch: &Challenge,
        body: &str,
        user: i64,
    ) -> AppResult<Result<i64, &'static str>> {
        let now = self.clock.now_ms();
        let existing = complaint_of(c, ch.id).await?;
        let last = working_days_after(self, c, ch.due_at, 15).await?;
        let f = facts(ch, existing.as_ref(), now, last);
        // The kind and an existing complaint first, then the text, then the window.
        if let Err(key @ ("err-complaint-inquiry" | "err-complaint-exists")) =
            transition(f, Action::Complain)
        {
            return Ok(Err(key));
        }
        let len = body.trim().chars().count();
        if !(10..=5000).contains(&len) {
            return Ok(Err("err-challenge-body"));
        }
        if let Err(key) = transition(f, Action::Complain) {
            return Ok(Err(key));
        }
        let counted = count_working_days(self, c, now, 30).await?;
        let due = counted.end_ms;
        let id = challenges::add_complaint(
            c,
            &NewComplaint {
                challenge: ch.id,
                project: p.id,
                org: ch.org_id,
                user,
                body: body.trim(),
                filed_at: now,
                due_at: due,
            },
        )
        .await?;
        counted
            .record(c, DueClock::ComplaintDecision, id, now)
            .await?;
        store::add_event(
            c,
            p.id,
            p.round,
            "complaint",
            &json!({ "complaint": id, "challenge": ch.id, "due_at": due }),
            None,
            now,
        )
        .await?;
        self.audit(
            c,
            Actor::User(UserId(user)),
            "complaint.filed",
            ("complaint", id),
            json!({ "project": p.id, "challenge": ch.id }),
        )
        .await?;
        Ok(Ok(id))
    }

    /// The supervisor's decision (upheld | dismissed) with the facts found and the reasons,
    /// and the decision itself, once; the 投诉处理决定书 gets its document number here.
    pub async fn decide_complaint(
        &self,
        c: &mut Conn,
        k: &Complaint,
        r: &Ruling<'_>,
        user: i64,
    ) -> AppResult<Result<(), &'static str>> {
        if k.decided_at.is_some() {
            return Ok(Err("err-complaint-decided"));
        }
        let Some(decided) = Outcome::parse(r.outcome) else {
            return Ok(Err("err-complaint-outcome"));
        };
        let (outcome, findings, decision) = (r.outcome, r.findings.trim(), r.decision.trim());
        if !(10..=RULING_MAX).contains(&findings.chars().count()) {
            return Ok(Err("err-complaint-findings"));
        }
        if !(10..=RULING_MAX).contains(&decision.chars().count()) {
            return Ok(Err("err-complaint-decision"));
        }
        let now = self.clock.now_ms();
        let ch = by_id(c, k.challenge_id)
            .await?
            .ok_or(crate::platform::error::AppError::NotFound)?;
        if let Err(key) = transition(facts(&ch, Some(k), now, i64::MAX), Action::Decide(decided)) {
            return Ok(Err(key));
        }
        if !challenges::decide(c, k.id, decided.code(), findings, decision, user, now).await? {
            return Ok(Err("err-complaint-decided"));
        }
        crate::db::documents::assign(
            c,
            crate::domain::docnum::DocKind::ComplaintDecision,
            k.id,
            "",
            &crate::platform::documents::day_of(now),
            now,
        )
        .await?;
        let p = store::by_id(c, k.project_id)
            .await?
            .ok_or(crate::platform::error::AppError::NotFound)?;
        store::add_event(
            c,
            p.id,
            p.round,
            "complaint_decided",
            &json!({ "complaint": k.id, "outcome": outcome, "decision": decision }),
            Some(user),
            now,
        )
        .await?;
        self.audit(
            c,
            Actor::User(UserId(user)),
            "complaint.decided",
            ("complaint", k.id),
            json!({ "project": p.id, "outcome": outcome }),
        )
        .await?;
        let complainant = challenges::complainant(c, k.id).await?;
        self.mail(
            c,
            complainant,
            json!({ "event": "complaint_decided", "title": p.title, "number": p.number,
                    "upheld": outcome == "upheld", "decision": decision,
                    "link": format!("complaints/{}/decision", k.id) }),
        )
        .await?;
        Ok(Ok(()))
    }
}
