//! Service-purchase state changes shared by the web handlers, the demo loader and the jobs
//! (DOMAIN §5): publishing, cancelling and re-publishing projects, intentions, documents,
//! questions and amendments (moving the deadline when the margin requires it), and the
//! procurement mails. Each change runs in one write transaction with an audit entry and, when
//! it is public, an entry in the project's event history. Bids and openings are in `bidding`.

pub mod award;
pub mod bidding;
pub mod challenge;
pub mod documents;
pub mod dossier;
pub mod low_price;
pub mod panel;
pub mod panel_scoring;
pub mod qual_docs;
pub mod reading;
pub mod related;
pub mod review;
pub mod sealing;

pub mod procedure;
pub mod publication;
pub mod supplier;

use crate::db::project_qa::{self as qa, NewAmendment};
use crate::db::projects::{self as store, Criterion, Project};
use crate::db::{Conn, Db};
use crate::domain::calendar::shanghai_date;
use crate::domain::lang::Lang;
use crate::domain::procurement::{self as rules, Method};
use crate::domain::project;
use crate::platform::audit::{Actor, Auditor};
use crate::platform::calendars::Calendars;
use crate::platform::clock::{to_ms, Clock};
use crate::platform::error::{AppError, AppResult};
use crate::platform::ids::UserId;
use crate::platform::mail::{Mailer, Recipient};
use crate::procurement::sealing::Sealer;
use serde_json::{json, Value};
use std::path::PathBuf;

pub struct Procurement<'a> {
    pub db: &'a Db,
    pub clock: &'a Clock,
    pub auditor: &'a Auditor,
    pub mailer: &'a Mailer,
    pub calendars: &'a Calendars,
    pub sealer: &'a Sealer,
    pub uploads: PathBuf,
    /// The seeds of the panel draw and of a tie's draw in the ranking.
    pub draws: &'a crate::platform::draws::Draws,
}

pub use crate::platform::clock::from_ms;

/// "2026-12-20 09:30" in Asia/Shanghai.
pub fn shanghai_time(ms: i64) -> String {
    let t = from_ms(ms).to_offset(crate::domain::calendar::SHANGHAI);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute()
    )
}

/// The public summary of a project recorded with its `published` event: everything a notice
/// shows, so the history can be read without the current row.
pub fn published_data(
    p: &Project,
    criteria: &[Criterion],
    qual_docs: &[crate::domain::qualdocs::Requirement],
) -> Value {
    json!({
        "number": p.number, "title": p.title, "kind": p.kind, "method": p.method,
        "department": p.department_zh, "category": p.category_code,
        "budget_fen": p.budget_fen, "max_price_fen": p.max_price_fen,
        "price_weight_pct": p.price_weight_pct, "tie_rule": p.tie_rule, "grade_use": p.grade_use,
        "city_division": p.city_division, "min_grade": p.min_grade, "need_inspection": p.need_inspection,
        "min_bids": p.min_bids, "notice_at": p.notice_at, "deadline_at": p.deadline_at,
        "intention_id": p.intention_id, "requirements": p.requirements, "criteria": criteria,
        "qual_docs": qual_docs.iter().map(|r| r.key()).collect::<Vec<_>>(),
        "technically_complex": p.technically_complex,
        "intention_late_reason": p.intention_late_reason,
        "settings_version": p.settings_version,
    })
}

impl<'a> Procurement<'a> {
    pub fn of(state: &'a crate::platform::app::AppState) -> Procurement<'a> {
        Procurement {
            db: &state.db,
            clock: &state.clock,
            auditor: &state.auditor,
            mailer: &state.mailer,
            calendars: &state.calendars,
            sealer: &state.sealer,
            uploads: crate::web::attachments::uploads_dir(state),
            draws: &state.draws,
        }
    }

    pub fn method(p: &Project) -> AppResult<Method> {
        Method::parse(&p.method).ok_or_else(|| AppError::Internal(format!("method {}", p.method)))
    }

    pub async fn audit(
        &self,
        c: &mut Conn,
        actor: Actor,
        action: &str,
        entity: (&str, i64),
        summary: Value,
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

    /// Queues the `procurement` mail to one user (never a list: notices are individual).
    pub async fn mail(&self, c: &mut Conn, user: i64, data: Value) -> AppResult<()> {
        let Some(u) = crate::db::users::by_id(c, UserId(user)).await? else {
            return Ok(());
        };
        self.mailer
            .queue(
                c,
                Recipient {
                    addr: &u.email,
                    user: Some(u.id),
                    lang: Lang::parse(&u.preferred_lang).unwrap_or_default(),
                },
                "procurement",
                &data,
                self.clock.now_ms(),
            )
            .await
    }

    /// The current admins of an organization (who receive its procurement notices).
    pub async fn org_admins(c: &mut Conn, org: i64) -> Result<Vec<i64>, sqlx::Error> {
        crate::db::bidders::admins(c, org).await
    }

    /// Tells the admins of every organization following the category about a new project or
    /// intention, one mail each.
    async fn tell_followers(&self, c: &mut Conn, category: &str, data: Value) -> AppResult<()> {
        for org in store::followers(c, category).await? {
            for user in Self::org_admins(c, org).await? {
                self.mail(c, user, data.clone()).await?;
            }
        }
        Ok(())
    }

    pub async fn publish_intention(&self, c: &mut Conn, id: i64, user: i64) -> AppResult<()> {
        let i = store::intention_by_id(c, id)
            .await?
            .ok_or(AppError::NotFound)?;
        self.audit(
            c,
            Actor::User(UserId(user)),
            "intention.published",
            ("intention", id),
            json!({ "title": i.title, "budget_fen": i.budget_fen }),
        )
        .await?;
        let data = json!({ "event": "new_intention", "title": i.title, "department": i.department_zh,
                           "planned": i.planned_month, "link": format!("intentions#intention-{id}") });
        self.tell_followers(c, &i.category_code, data).await
    }

    /// Publishes a draft now: the deadline must respect the method's window from now, a
    /// project published soon after its intention needs `intention_reason`, and a method other
    /// than 公开招标 at the open-tender threshold the supervisor's approval. The settings
    /// version in force is recorded with the notice (issue 22, item 14). A refusal writes
    /// nothing.
    pub async fn publish(
        &self,
        c: &mut Conn,
        p: &Project,
        intention_reason: Option<&str>,
        user: i64,
    ) -> AppResult<Result<(), publication::PublishRefusal>> {
        if project::transition(p.status, project::Action::Publish).is_err() {
            return Err(AppError::Conflict("err-project-not-draft"));
        }
        let now = self.clock.now();
        let method = Self::method(p)?;
        let cal = self.calendars.exact(c).await?;
        let in_force = crate::db::settings::snapshot(c, to_ms(now)).await?;
        let roll = in_force.flag("calendar.roll.bid_window").unwrap_or(false);
        let earliest = rules::earliest_deadline(&cal, method, now, roll);
        let deadline = p.deadline_at.map(from_ms);
        if deadline.is_none_or(|d| d < earliest) {
            return Ok(Err(publication::PublishRefusal::Deadline(earliest)));
        }
        let decided = match publication::check(c, p, &in_force, now, intention_reason).await? {
            Ok(d) => d,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let now_ms = to_ms(now);
        store::advance(c, p, project::Action::Publish, now_ms).await?;
        store::set_notice_at(c, p.id, now_ms).await?;
        store::set_published_rules(
            c,
            p.id,
            decided.settings_version,
            decided.intention_late_reason.as_deref(),
        )
        .await?;
        // The fewest bids is the rule in force at publication, not when the draft was saved.
        let consultation_min = in_force
            .int("procurement.consultation_min_bids")
            .unwrap_or(3);
        store::set_min_bids(c, p.id, method.minimum_bids(consultation_min)).await?;
        let fresh = store::by_id(c, p.id).await?.ok_or(AppError::NotFound)?;
        let criteria = store::criteria(c, p.id).await?;
        let qual_docs = crate::db::qual_docs::of_project(c, p.id).await?;
        let mut data = published_data(&fresh, &criteria, &qual_docs);
        if let Some(a) = &decided.approval {
            data["method_approval"] = json!({ "by": a.approver, "at": a.approved_at,
                                              "reason": a.reason, "method": a.method });
        }
        store::add_event(c, p.id, p.round, "published", &data, Some(user), now_ms).await?;
        documents::snapshot(c, p.id, documents::Change::Published, Some(user), now_ms).await?;
        self.audit(
            c,
            Actor::User(UserId(user)),
            "project.published",
            ("project", p.id),
            json!({ "number": p.number, "round": p.round }),
        )
        .await?;
        let mail = json!({ "event": "new_project", "title": p.title, "number": p.number,
                           "deadline": shanghai_time(fresh.deadline_at.unwrap_or(now_ms)),
                           "link": format!("projects/{}", p.number) });
        self.tell_followers(c, &p.category_code, mail).await?;
        Ok(Ok(()))
    }

    /// Entrusts the project's procedure to a procurement agency (or takes it back with `None`),
    /// in one transaction: the agency must be in the directory and the project a draft or
    /// published (the agency is not changed once bids are opened). `Err(key)` writes nothing.
    pub async fn entrust(
        &self,
        project_id: i64,
        agency: Option<i64>,
        user: i64,
    ) -> AppResult<Result<(), &'static str>> {
        let mut tx = self.db.begin_write().await?;
        let p = store::lock(&mut tx, project_id, self.db.for_update())
            .await?
            .ok_or(AppError::NotFound)?;
        if let Some(a) = agency {
            let known = crate::db::directory::list(&mut tx, crate::db::directory::UnitKind::Agency)
                .await?
                .iter()
                .any(|u| u.id == a);
            if !known {
                return Ok(Err("err-agency-unknown"));
            }
        }
        let now = self.clock.now_ms();
        if !matches!(
            p.status,
            project::Status::Draft | project::Status::Published
        ) || store::entrust(&mut tx, p.id, agency, now).await? != 1
        {
            return Ok(Err("err-agency-too-late"));
        }
        let detail = json!({ "agency": agency, "before": p.agency_id });
        store::add_event(
            &mut tx,
            p.id,
            p.round,
            "entrusted",
            &detail,
            Some(user),
            now,
        )
        .await?;
        self.audit(
            &mut tx,
            Actor::User(UserId(user)),
            "project.entrusted",
            ("project", p.id),
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    pub async fn cancel(
        &self,
        c: &mut Conn,
        p: &Project,
        reason: &str,
        user: i64,
    ) -> AppResult<()> {
        if project::transition(p.status, project::Action::Cancel).is_err() {
            return Err(AppError::Conflict("err-project-not-cancellable"));
        }
        let now = self.clock.now_ms();
        store::cancel(c, p, reason, now).await?;
        store::add_event(
            c,
            p.id,
            p.round,
            "cancelled",
            &json!({ "reason": reason }),
            Some(user),
            now,
        )
        .await?;
        self.audit(
            c,
            Actor::User(UserId(user)),
            "project.cancelled",
            ("project", p.id),
            json!({ "reason": reason }),
        )
        .await?;
        for (_, u) in qa::obtained_by(c, p.id, p.round).await? {
            self.mail(
                c,
                u,
                json!({ "event": "cancelled", "title": p.title, "number": p.number,
                                    "reason": reason, "link": format!("projects/{}", p.number) }),
            )
            .await?;
        }
        Ok(())
    }

    /// After a failed round, the next round of the same number starts as a draft.
    pub async fn republish(&self, c: &mut Conn, p: &Project, user: i64) -> AppResult<()> {
        if project::transition(p.status, project::Action::Republish).is_err() {
            return Err(AppError::Conflict("err-project-not-failed"));
        }
        let now = self.clock.now_ms();
        store::next_round(c, p, now).await?;
        store::add_event(
            c,
            p.id,
            p.round + 1,
            "round_opened",
            &json!({ "round": p.round + 1 }),
            Some(user),
            now,
        )
        .await?;
        self.audit(
            c,
            Actor::User(UserId(user)),
            "project.round_opened",
            ("project", p.id),
            json!({ "round": p.round + 1 }),
        )
        .await?;
        Ok(())
    }

    /// Records that the organization obtained the current version of the documents: the
    /// version recorded, when it is the first or newer than the one obtained before.
    pub async fn obtain(
        &self,
        c: &mut Conn,
        p: &Project,
        org: i64,
        user: i64,
    ) -> AppResult<Option<i64>> {
        if p.status != crate::domain::project::Status::Published {
            return Err(AppError::Conflict("err-project-closed"));
        }
        let now = self.clock.now_ms();
        if p.deadline_at.is_some_and(|d| now >= d) {
            return Err(AppError::Conflict("err-project-closed"));
        }
        let version = documents::current(c, p, now).await?;
        let recorded = qa::obtain(c, p.id, p.round, org, user, version, now).await?
            || crate::db::project_docs::obtain_newer(c, p.id, p.round, org, version).await?;
        Ok(recorded.then_some(version))
    }

    pub async fn ask(
        &self,
        c: &mut Conn,
        p: &Project,
        org: i64,
        user: i64,
        body: &str,
    ) -> AppResult<i64> {
        let now = self.clock.now_ms();
        if p.status != crate::domain::project::Status::Published
            || p.deadline_at.is_some_and(|d| now >= d)
        {
            return Err(AppError::Conflict("err-project-closed"));
        }
        let id = qa::ask(c, p.id, p.round, org, user, body, now).await?;
        // The question is public, its asker is not: the event carries the pseudonym only.
        let asked: Vec<_> = qa::questions(c, p.id)
            .await?
            .into_iter()
            .filter(|q| q.id == id)
            .collect();
        let no = asked.first().map(|q| q.asker_no).unwrap_or(0);
        store::add_event(
            c,
            p.id,
            p.round,
            "question",
            &json!({ "question": id, "asker_no": no, "body": body }),
            None,
            now,
        )
        .await?;
        self.audit(
            c,
            Actor::User(UserId(user)),
            "project.question_asked",
            ("project_question", id),
            json!({ "project": p.id }),
        )
        .await?;
        Ok(id)
    }

    /// Publishes an amendment (or a clarifying answer); when it affects bid preparation and
    /// leaves less than the method's margin, the deadline moves. Everyone who obtained the
    /// documents is told, one mail each. Returns the deadline after.
    pub async fn amend(
        &self,
        c: &mut Conn,
        p: &Project,
        body: &str,
        affects: bool,
        question: Option<i64>,
        user: i64,
    ) -> AppResult<i64> {
        let now = self.clock.now();
        let now_ms = to_ms(now);
        let Some(before) = p
            .deadline_at
            .filter(|d| p.status == crate::domain::project::Status::Published && now_ms < *d)
        else {
            return Err(AppError::Conflict("err-project-closed"));
        };
        // A project published before versions existed gets its version 1 first.
        documents::current(c, p, now_ms).await?;
        let cal = self.calendars.exact(c).await?;
        let after = to_ms(rules::deadline_after_amendment(
            &cal,
            Self::method(p)?,
            from_ms(before),
            now,
            affects,
        ));
        let id = qa::add_amendment(
            c,
            &NewAmendment {
                project: p.id,
                round: p.round,
                question_id: question,
                body,
                affects,
                published_at: now_ms,
                deadline_before: before,
                deadline_after: after,
                user,
            },
        )
        .await?;
        if after != before {
            store::set_deadline(c, p.id, after, now_ms).await?;
        }
        documents::snapshot(
            c,
            p.id,
            documents::Change::Amendment { id, body },
            Some(user),
            now_ms,
        )
        .await?;
        store::add_event(
            c,
            p.id,
            p.round,
            "amendment",
            &json!({ "amendment": id, "question": question, "body": body, "affects": affects,
                     "deadline_before": before, "deadline_after": after }),
            Some(user),
            now_ms,
        )
        .await?;
        self.audit(
            c,
            Actor::User(UserId(user)),
            "project.amended",
            ("project", p.id),
            json!({ "amendment": id, "affects": affects, "deadline_after": after }),
        )
        .await?;
        for (_, u) in qa::obtained_by(c, p.id, p.round).await? {
            self.mail(
                c,
                u,
                json!({ "event": "amendment", "title": p.title, "number": p.number, "body": body,
                        "moved": after != before, "deadline": shanghai_time(after),
                        "link": format!("projects/{}", p.number) }),
            )
            .await?;
        }
        Ok(after)
    }

    /// Answers a question publicly; an answer marked as affecting bid preparation is also an
    /// amendment. The asker is told.
    pub async fn answer(
        &self,
        c: &mut Conn,
        p: &Project,
        question: i64,
        text: &str,
        affects: bool,
        user: i64,
    ) -> AppResult<()> {
        let q = qa::questions(c, p.id)
            .await?
            .into_iter()
            .find(|q| q.id == question)
            .ok_or(AppError::NotFound)?;
        let now = self.clock.now_ms();
        if !qa::answer(c, question, text, affects, user, now).await? {
            return Err(AppError::Conflict("err-question-answered"));
        }
        if affects {
            self.amend(c, p, text, true, Some(question), user).await?;
        } else {
            store::add_event(
                c,
                p.id,
                p.round,
                "answer",
                &json!({ "question": question, "body": text }),
                Some(user),
                now,
            )
            .await?;
        }
        self.audit(
            c,
            Actor::User(UserId(user)),
            "project.question_answered",
            ("project_question", question),
            json!({ "affects": affects }),
        )
        .await?;
        self.mail(c, q.user_id, json!({ "event": "answer", "title": p.title, "number": p.number, "question": q.body,
                                        "answer": text, "link": format!("projects/{}#questions", p.number) }))
            .await?;
        Ok(())
    }

    /// After the consultation, calls the bidders whose responses were opened for their sealed
    /// final quotes by `deadline` (consultation only; once per round). Each is told on its own.
    pub async fn call_final(
        &self,
        c: &mut Conn,
        p: &Project,
        deadline: i64,
        user: i64,
    ) -> AppResult<Result<(), &'static str>> {
        let now = self.clock.now_ms();
        if p.method != "consultation"
            || p.status != crate::domain::project::Status::Opened
            || p.final_deadline_at.is_some()
        {
            return Ok(Err("err-final-not-now"));
        }
        if deadline < now + 3600 * 1000 {
            return Ok(Err("err-final-deadline"));
        }
        store::set_final_deadline(c, p.id, deadline, now).await?;
        store::add_event(
            c,
            p.id,
            p.round,
            "final_called",
            &json!({ "final_deadline_at": deadline }),
            Some(user),
            now,
        )
        .await?;
        self.audit(
            c,
            Actor::User(UserId(user)),
            "project.final_called",
            ("project", p.id),
            json!({ "final_deadline_at": deadline }),
        )
        .await?;
        let bidders = crate::db::bids::opened_submitters(c, p.id, p.round).await?;
        for u in bidders {
            self.mail(c, u, json!({ "event": "final_called", "title": p.title, "number": p.number,
                                    "deadline": shanghai_time(deadline), "link": format!("projects/{}", p.number) }))
                .await?;
        }
        Ok(Ok(()))
    }

    /// Reminds those who obtained the documents 3 days before the deadline, once per round.
    pub async fn remind(&self) -> AppResult<usize> {
        let now = self.clock.now_ms();
        let until = now + 3 * 24 * 3600 * 1000;
        let mut sent = 0;
        let mut c = self.db.acquire().await?;
        let mut due = Vec::new();
        for p in store::deadlines_between(&mut c, now, until).await? {
            // Read first: the loop runs every few seconds and writes only when someone is due.
            let pending = qa::unreminded(
                &mut c,
                p.id,
                p.round,
                &format!("bid_deadline:{}:{}", p.id, p.round),
            )
            .await?;
            if pending > 0 {
                due.push(p);
            }
        }
        drop(c);
        for p in due {
            let mut tx = self.db.begin_write().await?;
            let kind = format!("bid_deadline:{}:{}", p.id, p.round);
            let year = i64::from(shanghai_date(from_ms(p.deadline_at.unwrap_or(now))).year());
            for (org, user) in qa::obtained_by(&mut tx, p.id, p.round).await? {
                if qa::remind_once(&mut tx, &kind, org, year, now).await? {
                    self.mail(&mut tx, user, json!({ "event": "reminder", "title": p.title, "number": p.number,
                                                     "deadline": shanghai_time(p.deadline_at.unwrap_or(now)),
                                                     "link": format!("projects/{}", p.number) }))
                        .await?;
                    sent += 1;
                }
            }
            tx.commit().await?;
        }
        Ok(sent)
    }
}
