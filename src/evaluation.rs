//! Evaluation state changes shared by the web handlers and the daily job (DOMAIN §4): who may
//! apply, the aggregate once three experts have submitted, announcing a round's grades, the
//! downgrade proposals and expiries, and the evaluation mails. Each change runs in one write
//! transaction with one audit entry.

pub mod daily;

use crate::db::evaluation::{self as store, EvalApp, NewGrade, Round};
use crate::db::{standards, users, Conn, Db};
use crate::domain::calendar::{iso_date, parse_iso_date, shanghai_date};
use crate::domain::eval_life::{AppAction, AppStatus, RoundAction, RoundStatus};
use crate::domain::evaluation::{self as ev, Aggregate, Applicant, Bars, Grade, Ineligible};
use crate::domain::lang::Lang;
use crate::domain::scoring::{self, Outcome};
use crate::domain::standard::Standard;
use crate::platform::audit::{Actor, Auditor};
use crate::platform::calendars::Calendars;
use crate::platform::clock::Clock;
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::UserId;
use crate::platform::mail::{Mailer, Recipient};
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::BTreeMap;

mod applicant;
mod sheets;
mod steps;
pub use applicant::{objection_of, Filed, Requester};
pub use sheets::{CommitteeRow, ExpertSheets, ExpertTotal, SheetExpert};
pub use steps::{CommitteeDecision, Meeting, NewRoundForm};

pub struct Evaluation<'a> {
    pub db: &'a Db,
    pub clock: &'a Clock,
    pub auditor: &'a Auditor,
    pub mailer: &'a Mailer,
    pub calendars: &'a Calendars,
}

/// The bars of the older rule a round was opened with, as recorded ("missed_inspection,…").
pub fn bars_of(round: &Round) -> Bars {
    let on: Vec<&str> = round.bars.split(',').map(str::trim).collect();
    Bars {
        upgrade_allowed: round.upgrade_allowed,
        missed_inspection: on.contains(&"missed_inspection"),
        basic_pass_twice: on.contains(&"basic_pass_twice"),
        open_investigation: on.contains(&"open_investigation"),
        unexecuted_penalty: on.contains(&"unexecuted_penalty"),
    }
}

/// How the round aggregates, as recorded when it opened: the mean or trimmed mean, the grade
/// thresholds and the disagreement percentage.
pub fn method(round: &Round) -> scoring::Method {
    scoring::Method {
        how: Aggregate::parse(&round.aggregate).unwrap_or(Aggregate::Mean),
        thresholds: scoring::parse_thresholds(&round.thresholds).unwrap_or_default(),
        disagree_percent: round.disagreement_pct,
    }
}

/// How many experts must have submitted before the aggregate proposes a grade.
pub const PROPOSAL_EXPERTS: usize = 3;

pub fn centi(d: Decimal) -> i64 {
    (ev::round2(d) * Decimal::from(100))
        .trunc()
        .try_into()
        .unwrap_or(0)
}

pub fn from_centi(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

impl<'a> Evaluation<'a> {
    pub fn of(state: &'a crate::platform::app::AppState) -> Evaluation<'a> {
        Evaluation {
            db: &state.db,
            clock: &state.clock,
            auditor: &state.auditor,
            mailer: &state.mailer,
            calendars: &state.calendars,
        }
    }

    pub fn today(&self) -> time::Date {
        shanghai_date(self.clock.now())
    }

    pub async fn audit(
        &self,
        c: &mut Conn,
        actor: Actor,
        action: &str,
        entity: (&str, i64),
        summary: serde_json::Value,
    ) -> Result<(), sqlx::Error> {
        self.auditor
            .record(
                c,
                self.clock.now_ms(),
                actor,
                action,
                (entity.0, entity.1.to_string()),
                summary,
            )
            .await
    }

    /// Queues the `evaluation` mail (`event`: assigned, reminder, result, answer) to a user.
    pub async fn mail(&self, c: &mut Conn, user: i64, data: serde_json::Value) -> AppResult<()> {
        let Some(u) = users::by_id(c, UserId(user)).await? else {
            return Ok(());
        };
        self.mail_to(c, &u.email, Some(u.id), &u.preferred_lang, data)
            .await
    }

    pub async fn mail_to(
        &self,
        c: &mut Conn,
        addr: &str,
        user: Option<UserId>,
        lang: &str,
        data: serde_json::Value,
    ) -> AppResult<()> {
        self.mailer
            .queue(
                c,
                Recipient {
                    addr,
                    user,
                    lang: Lang::parse(lang).unwrap_or_default(),
                },
                "evaluation",
                &data,
                self.clock.now_ms(),
            )
            .await
    }

    /// Why the organization may not apply in this round (empty: it may), DOMAIN §4.
    pub async fn eligibility(
        &self,
        c: &mut Conn,
        org: i64,
        round: &Round,
    ) -> AppResult<Vec<Ineligible>> {
        let today = self.today();
        let day = iso_date(today);
        let (status, registered_on) = crate::db::orgs::status_and_registered_on(c, org)
            .await?
            .ok_or(AppError::NotFound)?;
        let abnormal = crate::db::orgs::on_list(c, org, "abnormal").await?;
        let serious = crate::db::orgs::on_list(c, org, "serious").await?;
        let grade_valid_to = store::grade_valid_to(c, org, &day).await?;
        let outcomes = crate::db::credit::last_two_outcomes(c, org).await?;
        // The last inspection due: last year's report once its 31 May deadline has passed.
        let last_due = if today.month() as u8 > 5 {
            today.year() - 1
        } else {
            today.year() - 2
        };
        let missed = !outcomes.iter().any(|(y, o)| {
            *y == i64::from(last_due) && o.as_deref().is_some_and(|o| o != "unqualified")
        });
        let basic_twice = outcomes.len() == 2
            && outcomes
                .iter()
                .all(|(_, o)| o.as_deref() == Some("basically_qualified"));
        let investigation = crate::db::credit::open_investigations(c, org, &day).await? > 0;
        let penalty = crate::db::credit::open_penalties(c, org, &day).await? > 0;
        let a = Applicant {
            registered: crate::domain::org_life::OrgStatus::parse(&status)
                .is_some_and(|s| s.active()),
            registered_on: registered_on
                .as_deref()
                .and_then(parse_iso_date)
                .unwrap_or(today),
            on_abnormal_list: abnormal,
            on_serious_list: serious,
            grade_valid_to: grade_valid_to.as_deref().and_then(parse_iso_date),
            missed_or_failed_last_inspection: missed,
            basic_pass_twice: basic_twice,
            open_investigation: investigation,
            unexecuted_penalty: penalty,
        };
        let year = i32::try_from(round.year).unwrap_or(today.year());
        Ok(ev::eligibility(&a, year, today, bars_of(round)))
    }

    /// The standard an application is scored under.
    pub async fn standard_of(&self, c: &mut Conn, app: &EvalApp) -> AppResult<Standard> {
        let body = standards::body(c, app.standard_id).await?;
        Standard::parse(&body).map_err(|e| AppError::Internal(e.to_string()))
    }

    /// The aggregate of the submitted experts' scores.
    pub async fn outcome(&self, c: &mut Conn, app: &EvalApp, round: &Round) -> AppResult<Outcome> {
        let standard = self.standard_of(c, app).await?;
        let scores = store::submitted_scores(c, app.id).await?;
        let mut per: BTreeMap<i64, BTreeMap<String, Decimal>> = BTreeMap::new();
        for s in scores {
            per.entry(s.assignment_id)
                .or_default()
                .insert(s.item_code, from_centi(s.centi));
        }
        // Experts who submitted without any score row still count (every base item is
        // required, so this does not happen; kept exact anyway).
        let experts: Vec<_> = per.into_values().collect();
        Ok(scoring::outcome(&standard, &experts, &method(round)))
    }

    /// Stores the proposal once at least three experts have submitted (after each submission).
    pub async fn refresh_proposal(&self, c: &mut Conn, app_id: i64) -> AppResult<()> {
        let app = store::app_by_id(c, app_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let round = store::round_by_id(c, app.round_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let o = self.outcome(c, &app, &round).await?;
        if o.experts >= PROPOSAL_EXPERTS {
            store::set_proposal(
                c,
                app.id,
                centi(o.total),
                o.proposed.map(Grade::code),
                o.veto.as_deref(),
                &o.flagged.join(","),
            )
            .await?;
        }
        Ok(())
    }

    /// Announces a round whose notice has ended and whose objections are all answered: each
    /// decided grade is recorded with its validity, and each organization is told.
    pub async fn announce(&self, round_id: i64, by: UserId) -> AppResult<usize> {
        let today = self.today();
        let day = iso_date(today);
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let round = store::round_by_id(&mut tx, round_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if round.status != RoundStatus::Notice {
            return Err(AppError::Conflict("err-round-state"));
        }
        if round
            .notice_to
            .as_deref()
            .is_some_and(|to| day.as_str() <= to)
        {
            return Err(AppError::Conflict("err-round-notice-running"));
        }
        let open = store::unanswered_objections(&mut tx, round_id).await?;
        if open > 0 {
            return Err(AppError::Conflict("err-round-objections-open"));
        }
        let (from, to) = ev::validity(today);
        let mut n = 0;
        for app in store::apps_of_round(&mut tx, round_id).await? {
            if app.status != AppStatus::Decided {
                continue;
            }
            if let Some(g) = app.decided_grade.as_deref() {
                store::add_grade(
                    &mut tx,
                    &NewGrade {
                        org_id: app.org_id,
                        app_id: Some(app.id),
                        grade: g,
                        announced_on: &day,
                        valid_from: &iso_date(from),
                        valid_to: &iso_date(to),
                    },
                    now,
                )
                .await?;
                n += 1;
            }
            if !store::advance_app(&mut tx, app.id, app.status, AppAction::Announce).await? {
                return Err(AppError::Conflict("err-round-state"));
            }
            self.mail(
                &mut tx,
                app.applicant_user_id,
                json!({ "event": "result", "round": round.title, "org": app.org_name,
                        "grade": app.decided_grade, "valid_from": iso_date(from), "valid_to": iso_date(to) }),
            )
            .await?;
        }
        if !store::advance_round(
            &mut tx,
            round_id,
            round.status,
            RoundAction::Announce {
                notice_ended: true,
                unanswered: usize::try_from(open).unwrap_or(usize::MAX),
            },
            [("announced_on", Some(day.clone())), ("notice_to", None)],
        )
        .await?
        {
            return Err(AppError::Conflict("err-round-state"));
        }
        self.audit(
            &mut tx,
            Actor::User(by),
            "evaluation.announced",
            ("eval_round", round_id),
            json!({ "grades": n, "valid_from": iso_date(from), "valid_to": iso_date(to) }),
        )
        .await?;
        tx.commit().await?;
        Ok(n)
    }
}

pub use crate::evaluation::daily::*;

/// The standard a new application in `round` is scored under (issue 22, item 11): among the
/// standards of the organization's type loaded when the round opened, the newest of its
/// category's (社会团体 行业协会商会, 学术类, 联合类, 公益类; 社会服务机构 by field), or else the
/// newest general one. A standard loaded mid-round applies to the next round.
pub async fn standard_for(
    c: &mut Conn,
    org_type: &str,
    category: &str,
    round: &Round,
) -> AppResult<(i64, Standard)> {
    let all = standards::of_type(c, org_type, round.standards_upto)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let id = crate::domain::standard::choose(&all, category)
        .ok_or(AppError::Conflict("err-eval-no-standard"))?;
    all.into_iter()
        .find(|(i, _)| *i == id)
        .ok_or(AppError::Conflict("err-eval-no-standard"))
}

impl Evaluation<'_> {
    /// The evaluation officer decides a pending downgrade proposal of an organization under one
    /// of `authorities`: dismissed, or confirmed (the grade ends; a lower grade, if named, runs
    /// for the rest of the old one's validity). `Ok(Err(key))` is a refusal; nothing written.
    pub async fn decide_downgrade(
        &self,
        id: i64,
        outcome: crate::domain::eval_life::DowngradeOutcome,
        new_grade: Option<Grade>,
        reason: &str,
        user: UserId,
        authorities: &[i64],
    ) -> AppResult<Result<(), &'static str>> {
        use crate::domain::eval_life::{decide_downgrade, DowngradeOutcome};
        let today = self.today();
        let day = iso_date(today);
        let now = self.clock.now_ms();
        let mut tx = self.db.begin_write().await?;
        let Some(d) = store::downgrades(&mut tx, true)
            .await?
            .into_iter()
            .find(|d| d.id == id)
        else {
            return Ok(Err("err-downgrade-decided"));
        };
        if !d.authority_id.is_some_and(|a| authorities.contains(&a)) {
            return Err(AppError::Forbidden);
        }
        let old = store::grades_where(&mut tx, "g.id", d.grade_id)
            .await?
            .into_iter()
            .next()
            .ok_or(AppError::NotFound)?;
        let lower = match decide_downgrade(true, outcome, Grade::parse(&old.grade), new_grade) {
            Ok(g) => g,
            Err(key) => return Ok(Err(key)),
        };
        // Compare-and-set on the undecided proposal.
        if !store::decide_downgrade(
            &mut tx,
            id,
            outcome.code(),
            lower.map(Grade::code),
            reason,
            user.0,
            now,
        )
        .await?
        {
            return Ok(Err("err-downgrade-decided"));
        }
        if outcome == DowngradeOutcome::Confirmed {
            // The old certificate is void from today and due back within 15 days (issue 22,
            // item 15); the lower grade, if 3A or above, gets a certificate of its own.
            let due = Grade::parse(&old.grade)
                .and_then(|g| ev::certificate_return_due(g, today))
                .map(iso_date);
            store::end_grade(&mut tx, old.id, &day, "downgraded", due.as_deref()).await?;
            if let Some(g) = lower {
                // The lower grade runs for the rest of the old grade's validity.
                let (_, to) = ev::validity(today);
                let to = parse_iso_date(&old.valid_to).unwrap_or(to);
                store::add_grade(
                    &mut tx,
                    &NewGrade {
                        org_id: old.org_id,
                        app_id: old.app_id,
                        grade: g.code(),
                        announced_on: &day,
                        valid_from: &day,
                        valid_to: &iso_date(to),
                    },
                    now,
                )
                .await?;
            }
        }
        self.audit(
            &mut tx,
            Actor::User(user),
            "evaluation.downgrade_decided",
            ("org", d.org_id),
            json!({ "proposal": id, "outcome": outcome, "from": old.grade, "to": lower.map(Grade::code), "reason": reason }),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }
}

impl Evaluation<'_> {
    /// Assigns an expert to an application in review; a conflict of interest found in the
    /// last two years records the assignment as recused at once (`Ok(Ok(Some(reason)))`).
    pub async fn assign_expert(
        &self,
        app: &EvalApp,
        round: &Round,
        expert: Option<i64>,
        user: UserId,
    ) -> AppResult<Result<Option<String>, &'static str>> {
        let now = self.clock.now_ms();
        let since = iso_date(self.today() - time::Duration::days(731));
        let mut tx = self.db.begin_write().await?;
        let expert = match expert {
            Some(e) => store::experts(&mut tx)
                .await?
                .into_iter()
                .find(|x| x.id == e),
            None => None,
        };
        let Some(expert) = expert else {
            return Ok(Err("err-eval-expert"));
        };
        let recusal = store::worked_for(&mut tx, expert.person_id, app.org_id, &since).await?;
        let reason = recusal.map(|k| format!("automatic:{k}"));
        if !store::assign(&mut tx, app.id, expert.id, user.0, reason.as_deref(), now).await? {
            return Ok(Err("err-eval-expert-twice"));
        }
        self.audit(
            &mut tx,
            Actor::User(user),
            "evaluation.expert_assigned",
            ("eval_application", app.id),
            json!({ "expert": expert.id, "recused": reason }),
        )
        .await?;
        if reason.is_none() {
            self.mail(
                &mut tx,
                expert.id,
                json!({ "event": "assigned", "round": round.title, "org": app.org_name, "due": round.scoring_due }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(Ok(reason))
    }

    /// The written answer to an objection (15 days); during the notice a re-review committee
    /// (members, present, votes for) may change the decided grade with a decision of its own
    /// that supersedes the committee's, which stays on record.
    pub async fn answer_objection(
        &self,
        id: i64,
        answer: &str,
        change: Option<Option<&str>>,
        committee: (i64, i64, i64),
        user: UserId,
        authorities: &[i64],
    ) -> AppResult<Result<(), &'static str>> {
        let now = self.clock.now_ms();
        let today = iso_date(self.today());
        let mut tx = self.db.begin_write().await?;
        let o = store::objections_where(&mut tx, "j.id", id)
            .await?
            .into_iter()
            .next()
            .ok_or(AppError::NotFound)?;
        let r = store::round_by_id(&mut tx, o.round_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !authorities.contains(&r.authority_id) {
            return Err(AppError::Forbidden);
        }
        if !store::answer_objection(&mut tx, o.id, answer, user.0, &today, now).await? {
            return Err(AppError::Conflict("err-objection-answered"));
        }
        // A re-review may change the decided grade while the round is still in its notice.
        let app = store::app_by_id(&mut tx, o.app_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let changed = change.filter(|g| *g != app.decided_grade.as_deref());
        if let Some(g) = changed {
            if r.status != crate::domain::eval_life::RoundStatus::Notice
                || app.status != crate::domain::eval_life::AppStatus::Decided
            {
                return Err(AppError::Conflict("err-round-state"));
            }
            // The re-review committee's own decision, with its members and votes, supersedes the
            // committee's; the committee's record stays.
            let (members, present, votes) = committee;
            if let Some(k) = crate::domain::scoring::committee_problem(members, present)
                .or_else(|| crate::domain::scoring::majority(members, present, votes))
            {
                return Ok(Err(k));
            }
            store::record_decision(
                &mut tx,
                &store::NewDecision {
                    app: app.id,
                    body: "rereview",
                    grade: g,
                    members,
                    present,
                    votes_for: votes,
                    reason: Some(answer),
                    objection: Some(o.id),
                    by: Some(user.0),
                    on: &today,
                    at: now,
                },
            )
            .await?;
        }
        self.audit(
            &mut tx,
            Actor::User(user),
            "evaluation.objection_answered",
            ("eval_objection", o.id),
            json!({ "on": today, "due": o.due_on, "grade_from": app.decided_grade, "grade_to": changed }),
        )
        .await?;
        let data = json!({ "event": "answer", "round": r.title, "org": o.org_name, "answer": answer,
                           "reference": o.reference, "path": format!("evaluation/rounds/{}/objections", r.id) });
        match o.filed_by {
            Some(u) => self.mail(&mut tx, u, data).await?,
            None if crate::domain::email::EmailAddress::parse(&o.contact).is_some() => {
                self.mail_to(&mut tx, &o.contact, None, "zh-CN", data)
                    .await?
            }
            None => {}
        }
        tx.commit().await?;
        Ok(Ok(()))
    }
}

impl Evaluation<'_> {
    /// The officer records that a void certificate (of an organization under one of
    /// `authorities`) was returned; once. `Ok(Err(key))` is a refusal; nothing written.
    pub async fn certificate_returned(
        &self,
        grade: i64,
        user: UserId,
        authorities: &[i64],
    ) -> AppResult<Result<(), &'static str>> {
        let day = iso_date(self.today());
        let mut tx = self.db.begin_write().await?;
        let g = store::grades_where(&mut tx, "g.id", grade)
            .await?
            .into_iter()
            .next()
            .ok_or(AppError::NotFound)?;
        if !g.authority_id.is_some_and(|a| authorities.contains(&a)) {
            return Err(AppError::Forbidden);
        }
        if !store::certificate_returned(&mut tx, g.id, &day, user.0).await? {
            return Ok(Err("err-certificate-returned"));
        }
        self.audit(
            &mut tx,
            Actor::User(user),
            "evaluation.certificate_returned",
            ("org", g.org_id),
            json!({ "grade": g.id, "level": g.grade, "due": g.certificate_due_on, "on": day }),
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }
}
