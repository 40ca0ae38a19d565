//! The work waiting on a person that is not a registered statutory clock, read from the states
//! the lifecycles write: an expert's sheets and seats, an evaluation officer's applications,
//! rounds, objections and downgrades, a purchaser's drafts, deliverables, signatures and
//! reviews, the supervisor's suspension orders and supplier sign-ups, the finance officer's
//! payable installments, and an organization's corrections, reports, milestones and windows.
//! Each item names what, for which organization or project, by when, and links to where it is
//! done; the dashboard merges them with the register's clocks.

use super::tasks::id_list as ids;
use super::Scope;
use super::Task;
use crate::db::Conn;
use crate::domain::calendar::{iso_date, parse_iso_date, Calendar};
use time::Date;

struct Push<'a> {
    out: Vec<Task>,
    cal: &'a Calendar,
    today: Date,
}

impl Push<'_> {
    /// An item: `due` is a calendar-day or working-day last day, or none.
    fn add(
        &mut self,
        what: &str,
        id: i64,
        subject: String,
        due: Option<(Date, bool)>,
        link: String,
    ) {
        let (due_on, days_left, working) = match due {
            Some((d, working)) => (
                iso_date(d),
                crate::domain::application::days_left(self.cal, self.today, d, working),
                working,
            ),
            None => (String::new(), 0, false),
        };
        self.out.push(Task {
            what: what.into(),
            at: None,
            entity_id: id,
            due_on,
            days_left,
            working,
            subject,
            link,
        });
    }
}

fn date(s: &str) -> Option<(Date, bool)> {
    parse_iso_date(s).map(|d| (d, false))
}

pub async fn waiting(
    c: &mut Conn,
    scope: &Scope,
    cal: &Calendar,
    today: Date,
    now: i64,
) -> crate::error::AppResult<Vec<Task>> {
    let mut p = Push {
        out: Vec::new(),
        cal,
        today,
    };
    expert(c, scope.user, &mut p).await?;
    reviewer(c, scope.user, &mut p).await?;
    if !scope.authorities.is_empty() {
        registrar(c, &scope.authorities, &mut p).await?;
    }
    if !scope.evaluates.is_empty() {
        evaluation_officer(c, &scope.evaluates, &mut p).await?;
    }
    if !scope.departments.is_empty() || !scope.agencies.is_empty() {
        procedure(c, scope, &mut p).await?;
    }
    if !scope.departments.is_empty() {
        purchaser(c, &scope.departments, &mut p).await?;
    }
    if scope.supervisor {
        supervisor(c, &mut p).await?;
    }
    applicant(c, scope.user, &mut p).await?;
    if !scope.org_member.is_empty() {
        organization(c, scope, &mut p, now).await?;
    }
    if scope.finance {
        payable(c, now, &mut p).await?;
    }
    Ok(p.out)
}

/// The finance officer's installments that can be paid now, due by the payment term (calendar
/// days from the day the condition was met).
async fn payable(c: &mut Conn, now: i64, p: &mut Push<'_>) -> crate::error::AppResult<()> {
    let term = crate::db::settings::snapshot(c, now)
        .await?
        .int("payment.term_days")
        .unwrap_or(30);
    for k in crate::contract::still_open(c, None).await? {
        let s = crate::ledger::summary(c, &k, now).await?;
        for i in &s.installments {
            let left = (i.amount_fen - i.paid_fen).min(s.remaining_fen);
            let Some(since) = i.payable_since.filter(|_| i.status.payable() && left > 0) else {
                continue;
            };
            let due = crate::domain::calendar::shanghai_date(crate::clock::from_ms(since))
                + time::Duration::days(term);
            p.add(
                "queue-payable",
                k.id * 100 + i.pos,
                format!(
                    "{} · {} · {} · ¥{}",
                    k.number,
                    k.title,
                    k.org_name,
                    crate::domain::money::Money::from_fen(left).grouped()
                ),
                Some((due, false)),
                format!("/finance/contracts/{}", k.id),
            );
        }
    }
    Ok(())
}

/// An expert's evaluation sheets (declare first, then score) and procurement panel seats.
async fn expert(c: &mut Conn, user: i64, p: &mut Push<'_>) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, Option<i64>, String, String)> = sqlx::query_as(
        "SELECT a.id, a.declared_at, o.name, r.scoring_due FROM eval_assignments a \
         JOIN eval_applications e ON e.id = a.eval_application_id JOIN eval_rounds r ON r.id = e.round_id \
         JOIN organizations o ON o.id = e.org_id \
         WHERE a.expert_user_id = $1 AND a.recused_at IS NULL AND a.submitted_at IS NULL AND e.status = 'review' \
         ORDER BY r.scoring_due, a.id",
    )
    .bind(user)
    .fetch_all(&mut *c)
    .await?;
    for (id, declared, org, due) in rows {
        let what = if declared.is_some() {
            "queue-expert-sheet"
        } else {
            "queue-expert-declare"
        };
        p.add(what, id, org, date(&due), format!("/scoring/{id}"));
    }
    let seats: Vec<(i64, Option<i64>, String, i64)> = sqlx::query_as(
        "SELECT m.id, m.declared_at, pr.number || ' · ' || pr.title, pn.drawn_at FROM panel_members m JOIN panels pn ON pn.id = m.panel_id \
         JOIN projects pr ON pr.id = pn.project_id \
         WHERE m.user_id = $1 AND m.recused_at IS NULL AND m.submitted_at IS NULL AND m.status = 'seated' \
         AND pr.round = pn.round AND pr.status = 'opened' ORDER BY m.id",
    )
    .bind(user)
    .fetch_all(&mut *c)
    .await?;
    for (id, declared, title, drawn_at) in seats {
        let what = if declared.is_some() {
            "queue-panel-score"
        } else {
            "queue-panel-declare"
        };
        // The sheet is due by the end of the working day after the panel was drawn (the
        // reminder goes out then).
        let due = crate::award::end_of_working_days(p.cal, drawn_at, 1);
        // The end of that day is the next day's first moment: the last day is the one before.
        let due = crate::domain::calendar::shanghai_date(crate::clock::from_ms(due - 1));
        p.add(what, id, title, Some((due, true)), format!("/panel/{id}"));
    }
    Ok(())
}

/// Annual reports filed with the registrar's authorities and not yet given an outcome.
async fn registrar(c: &mut Conn, authorities: &[i64], p: &mut Push<'_>) -> Result<(), sqlx::Error> {
    let list = ids(authorities);
    let rows: Vec<(i64, i64, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT a.id, o.id, o.name, a.year FROM annual_reports a JOIN organizations o ON o.id = a.org_id \
         WHERE o.authority_id IN ({list}) AND a.outcome IS NULL ORDER BY a.filed_on, a.id"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (id, org, name, year) in rows {
        p.add(
            "queue-annual-review",
            id,
            format!("{name} · {year}"),
            None,
            format!("/registry/orgs/{org}"),
        );
    }
    Ok(())
}

/// Performance reviews assigned to this person (the purchaser's own or a third party's).
async fn reviewer(c: &mut Conn, user: i64, p: &mut Push<'_>) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT r.id, r.milestone, pr.number || ' · ' || pr.title FROM perf_reviews r JOIN contracts k ON k.id = r.contract_id \
         JOIN projects pr ON pr.id = k.project_id \
         WHERE r.reviewer_user_id = $1 AND r.submitted_at IS NULL AND k.terminated_at IS NULL ORDER BY r.id",
    )
    .bind(user)
    .fetch_all(&mut *c)
    .await?;
    for (id, milestone, title) in rows {
        p.add(
            "queue-review",
            id,
            format!("{title} · {milestone}"),
            None,
            format!("/reviews/{id}"),
        );
    }
    Ok(())
}

async fn evaluation_officer(
    c: &mut Conn,
    authorities: &[i64],
    p: &mut Push<'_>,
) -> Result<(), sqlx::Error> {
    let list = ids(authorities);
    // Applications that still need experts (three who have not stepped aside).
    let apps: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT e.id, o.name, r.scoring_due FROM eval_applications e JOIN eval_rounds r ON r.id = e.round_id \
         JOIN organizations o ON o.id = e.org_id \
         WHERE r.authority_id IN ({list}) AND e.status = 'review' AND \
         (SELECT COUNT(*) FROM eval_assignments a WHERE a.eval_application_id = e.id AND a.recused_at IS NULL) < 3 \
         ORDER BY r.scoring_due, e.id"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (id, org, due) in apps {
        p.add(
            "queue-eval-assign",
            id,
            org,
            date(&due),
            format!("/evaluation/applications/{id}"),
        );
    }
    // Rounds by phase: ready for the committee, for the notice, for the announcement.
    let rounds: Vec<(i64, String, String, Option<String>, i64, i64)> =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT r.id, r.title, r.status, r.notice_to, \
             (SELECT COUNT(*) FROM eval_applications e WHERE e.round_id = r.id), \
             (SELECT COUNT(*) FROM eval_applications e WHERE e.round_id = r.id AND e.status = 'review') \
             FROM eval_rounds r WHERE r.authority_id IN ({list}) AND r.status IN ('open', 'committee', 'notice') ORDER BY r.id"
        )))
        .fetch_all(&mut *c)
        .await?;
    // The round's next step, asked of its lifecycle: whichever action it would take now.
    for (id, title, status, notice_to, apps, in_review) in rounds {
        use crate::domain::eval_life::{round_transition, RoundAction, RoundStatus};
        let Some(status) = RoundStatus::parse(&status) else {
            continue;
        };
        let link = format!("/evaluation/rounds/{id}");
        let notice_ended = notice_to
            .as_deref()
            .and_then(parse_iso_date)
            .is_some_and(|d| d < p.today);
        let count = |n: i64| usize::try_from(n).unwrap_or(0);
        let next = [
            (
                RoundAction::HoldCommittee {
                    applications: count(apps),
                    in_review: count(in_review),
                },
                "queue-eval-committee",
            ),
            (RoundAction::PublishNotice, "queue-eval-notice"),
            (
                RoundAction::Announce {
                    notice_ended,
                    unanswered: 0,
                },
                "queue-eval-announce",
            ),
        ]
        .into_iter()
        .find(|(a, _)| round_transition(status, *a).is_ok());
        if let Some((_, what)) = next {
            p.add(what, id, title, None, link);
        }
    }
    let objections: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT j.id, o.name, j.due_on FROM eval_objections j JOIN eval_applications e ON e.id = j.eval_application_id \
         JOIN eval_rounds r ON r.id = e.round_id JOIN organizations o ON o.id = e.org_id \
         WHERE r.authority_id IN ({list}) AND j.answered_at IS NULL ORDER BY j.due_on, j.id"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (id, org, due) in objections {
        p.add(
            "queue-eval-objection",
            id,
            org,
            date(&due),
            "/evaluation/objections".into(),
        );
    }
    let downgrades: Vec<(i64, String)> = sqlx::query_as(
        "SELECT d.id, o.name FROM grade_downgrades d JOIN organizations o ON o.id = d.org_id \
         WHERE d.decided_at IS NULL ORDER BY d.id",
    )
    .fetch_all(&mut *c)
    .await?;
    for (id, org) in downgrades {
        p.add(
            "queue-eval-downgrade",
            id,
            org,
            None,
            "/evaluation/downgrades".into(),
        );
    }
    Ok(())
}

/// The procedure's steps after the opening, for whoever runs it: the purchaser, or the agency
/// the project is entrusted to (never both).
async fn procedure(c: &mut Conn, scope: &Scope, p: &mut Push<'_>) -> Result<(), sqlx::Error> {
    let runs = scope.runs("pr");
    // Questions on published notices waiting for an answer, by the bid deadline.
    let asked: Vec<(i64, i64, String, Option<i64>)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT q.id, pr.id, pr.number || ' · ' || pr.title, pr.deadline_at FROM project_questions q \
         JOIN projects pr ON pr.id = q.project_id AND q.round = pr.round \
         WHERE {runs} AND pr.status = 'published' AND q.answered_at IS NULL ORDER BY q.id"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (id, project, title, deadline) in asked {
        let due = deadline.map(|d| {
            (
                crate::domain::calendar::shanghai_date(crate::clock::from_ms(d)),
                false,
            )
        });
        p.add(
            "queue-question",
            id,
            title,
            due,
            format!("/purchase/projects/{project}#questions"),
        );
        // Bids close at a moment, not at the end of the day.
        if let (Some(last), Some(d)) = (p.out.last_mut(), deadline) {
            last.at = Some(crate::procurement::shanghai_time(d));
        }
    }
    // Opened rounds: qualification and compliance of each opened bid, then the panel.
    let opened: Vec<(i64, String, i64, i64, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT pr.id, pr.number || ' · ' || pr.title, \
         (SELECT COUNT(*) FROM opening_bids ob WHERE ob.opening_id = op.id), \
         (SELECT COUNT(*) FROM bid_reviews br WHERE br.opening_id = op.id AND br.stage IN ('qualification', 'compliance')), \
         (SELECT COUNT(*) FROM panels pn WHERE pn.project_id = pr.id AND pn.round = pr.round) \
         FROM projects pr JOIN openings op ON op.project_id = pr.id AND op.round = pr.round AND op.envelope = 'initial' \
         WHERE {runs} AND pr.status = 'opened' \
         AND NOT EXISTS (SELECT 1 FROM awards a WHERE a.project_id = pr.id AND a.round = pr.round) ORDER BY pr.id"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (id, title, bids, reviewed, panels) in opened {
        if reviewed < bids * 2 {
            p.add(
                "queue-qualification",
                id,
                title,
                None,
                format!("/purchase/projects/{id}#review"),
            );
        } else if panels == 0 {
            p.add(
                "queue-panel-draw",
                id,
                title,
                None,
                format!("/purchase/projects/{id}#panel"),
            );
        }
    }
    Ok(())
}

async fn purchaser(c: &mut Conn, departments: &[i64], p: &mut Push<'_>) -> Result<(), sqlx::Error> {
    let list = ids(departments);
    let drafts: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, number || ' · ' || title FROM projects WHERE department_id IN ({list}) AND status = 'draft' ORDER BY id"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (id, title) in drafts {
        p.add(
            "queue-draft",
            id,
            title,
            None,
            format!("/purchase/projects/{id}"),
        );
    }
    // Deliverables filed and waiting for acceptance or return.
    let filed: Vec<(i64, i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT d.id, k.id, pr.number || ' · ' || pr.title, d.milestone FROM deliverables d JOIN contracts k ON k.id = d.contract_id \
         JOIN projects pr ON pr.id = k.project_id \
         WHERE pr.department_id IN ({list}) AND d.status = 'submitted' AND k.terminated_at IS NULL ORDER BY d.id"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (id, k, title, milestone) in filed {
        p.add(
            "queue-deliverable",
            id,
            format!("{title} · {milestone}"),
            None,
            format!("/purchase/contracts/{k}#deliverables"),
        );
    }
    // 差 reviews waiting for the purchaser's rectification decision (payment is held back).
    let poor: Vec<(i64, i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT r.id, k.id, pr.number || ' · ' || pr.title, r.milestone FROM perf_reviews r \
         JOIN contracts k ON k.id = r.contract_id JOIN projects pr ON pr.id = k.project_id \
         WHERE pr.department_id IN ({list}) AND r.submitted_at IS NOT NULL AND r.grade = 'poor' \
         AND k.terminated_at IS NULL AND NOT EXISTS (SELECT 1 FROM rectifications x WHERE x.review_id = r.id) ORDER BY r.id"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (id, k, title, milestone) in poor {
        p.add(
            "queue-rectify",
            id,
            format!("{title} · {milestone}"),
            None,
            format!("/purchase/contracts/{k}#reviews"),
        );
    }
    // Milestones whose deliverable was accepted and whose installment waits for a review
    // that nobody has opened yet.
    let unreviewed: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT k.id, pr.number || ' · ' || pr.title, i.review_name FROM installments i \
         JOIN contracts k ON k.id = i.contract_id JOIN projects pr ON pr.id = k.project_id \
         WHERE pr.department_id IN ({list}) AND i.condition = 'review' AND i.review_name IS NOT NULL \
         AND k.terminated_at IS NULL AND k.accepted_at IS NULL \
         AND EXISTS (SELECT 1 FROM deliverables d WHERE d.contract_id = k.id AND d.milestone = i.review_name \
                     AND d.status = 'accepted') \
         AND NOT EXISTS (SELECT 1 FROM perf_reviews r WHERE r.contract_id = k.id AND r.milestone = i.review_name) \
         ORDER BY k.id, i.pos"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (k, title, milestone) in unreviewed {
        p.add(
            "queue-review-open",
            k,
            format!("{title} · {milestone}"),
            None,
            format!("/purchase/contracts/{k}#reviews"),
        );
    }
    // Contracts whose term has ended, not yet finally accepted: the acceptance (验收).
    let ended: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT k.id, pr.number || ' · ' || pr.title, k.ends_on FROM contracts k JOIN projects pr ON pr.id = k.project_id \
         WHERE pr.department_id IN ({list}) AND k.terminated_at IS NULL AND k.accepted_at IS NULL \
         AND k.ends_on <= $1 ORDER BY k.ends_on, k.id"
    )))
    .bind(iso_date(p.today))
    .fetch_all(&mut *c)
    .await?;
    for (k, title, _ends) in ended {
        p.add(
            "queue-accept-final",
            k,
            title,
            None,
            format!("/purchase/contracts/{k}/accept"),
        );
    }
    // Winners to sign with, once the award notice has ended: 30 days from the notice.
    let unsigned: Vec<(i64, i64, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT w.id, pr.id, pr.number || ' · ' || pr.title || ' · ' || o.name, a.notice_at FROM award_winners w \
         JOIN awards a ON a.id = w.award_id JOIN projects pr ON pr.id = a.project_id \
         JOIN organizations o ON o.id = w.org_id \
         WHERE pr.department_id IN ({list}) AND w.status = 'winner' AND a.round = pr.round \
         AND a.notice_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contracts k WHERE k.winner_id = w.id) ORDER BY w.id"
    )))
    .fetch_all(&mut *c)
    .await?;
    for (id, project, subject, notice_at) in unsigned {
        let due = crate::domain::calendar::shanghai_date(crate::clock::from_ms(
            crate::contract::sign_due(p.cal, notice_at, false),
        ));
        p.add(
            "queue-sign",
            id,
            subject,
            Some((due, false)),
            format!("/purchase/projects/{project}/award#contract"),
        );
    }
    Ok(())
}

async fn supervisor(c: &mut Conn, p: &mut Push<'_>) -> Result<(), sqlx::Error> {
    let orders: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT s.id, pr.number || ' · ' || pr.title, s.until_on FROM suspension_orders s JOIN complaints k ON k.id = s.complaint_id \
         JOIN projects pr ON pr.id = s.project_id \
         WHERE s.lifted_at IS NULL AND k.decided_at IS NULL ORDER BY s.until_on, s.id",
    )
    .fetch_all(&mut *c)
    .await?;
    for (id, title, until) in orders {
        if let Some(d) = parse_iso_date(&until).filter(|d| *d >= p.today) {
            p.add(
                "queue-order",
                id,
                title,
                Some((d, false)),
                format!("/complaints#order-{id}"),
            );
        }
    }
    let suppliers: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM suppliers WHERE status = 'pending' ORDER BY applied_at, id",
    )
    .fetch_all(&mut *c)
    .await?;
    for (id, name) in suppliers {
        p.add("queue-supplier", id, name, None, "/suppliers".into());
    }
    Ok(())
}

/// A registration application returned to its applicant for correction.
async fn applicant(c: &mut Conn, user: i64, p: &mut Push<'_>) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, name FROM applications WHERE applicant_user_id = $1 AND status = 'correction' ORDER BY id",
    )
    .bind(user)
    .fetch_all(&mut *c)
    .await?;
    for (id, name) in rows {
        p.add(
            "queue-app-correction",
            id,
            name,
            None,
            format!("/applications/{id}"),
        );
    }
    Ok(())
}

/// An organization's work: milestones of its contracts still to deliver, evaluation rounds
/// open to it, and (for its admins) last year's annual report.
async fn organization(
    c: &mut Conn,
    scope: &Scope,
    p: &mut Push<'_>,
    now: i64,
) -> crate::error::AppResult<()> {
    let list = ids(&scope.org_member);
    let contracts: Vec<(i64, i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT k.id, k.org_id, pr.number || ' · ' || pr.title, i.review_name FROM contracts k JOIN projects pr ON pr.id = k.project_id \
         JOIN installments i ON i.contract_id = k.id \
         WHERE k.org_id IN ({list}) AND k.terminated_at IS NULL AND k.accepted_at IS NULL \
         AND i.condition = 'review' AND i.review_name IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM deliverables d WHERE d.contract_id = k.id AND d.milestone = i.review_name \
                         AND d.kind = 'deliverable' AND d.status IN ('submitted', 'accepted')) ORDER BY k.id, i.pos"
    )))
    .fetch_all(&mut *c)
    .await?;
    let mut suspended: Vec<i64> = Vec::new();
    for (k, org, title, milestone) in contracts {
        // A suspended contract is not performed: the organization is told so instead.
        let held = match crate::contract::by_id(c, k).await? {
            Some(contract) => {
                crate::delivery::standing(c, &contract, p.today)
                    .await?
                    .state
                    == crate::delivery::rules::State::Suspended
            }
            None => false,
        };
        if held {
            if !suspended.contains(&k) {
                suspended.push(k);
                p.add(
                    "queue-contract-suspended",
                    k,
                    title,
                    None,
                    format!("/orgs/{org}/contracts/{k}"),
                );
            }
            continue;
        }
        p.add(
            "queue-milestone",
            k,
            format!("{title} · {milestone}"),
            None,
            format!("/orgs/{org}/contracts/{k}#deliverables"),
        );
    }
    let rounds: Vec<(i64, i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT r.id, o.id, r.title, r.apply_to FROM eval_rounds r JOIN organizations o ON o.authority_id = r.authority_id \
         WHERE o.id IN ({list}) AND r.status = 'open' AND r.apply_from <= $1 AND r.apply_to >= $1 \
         AND NOT EXISTS (SELECT 1 FROM eval_applications e WHERE e.round_id = r.id AND e.org_id = o.id) ORDER BY r.apply_to"
    )))
    .bind(iso_date(p.today))
    .fetch_all(&mut *c)
    .await?;
    for (id, org, title, to) in rounds {
        p.add(
            "queue-eval-window",
            id,
            title,
            date(&to),
            format!("/orgs/{org}/evaluation"),
        );
    }
    // Projects open for bids in a category the organization follows, not yet taken up.
    let open: Vec<(i64, i64, String, String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT pr.id, o.id, pr.number, pr.number || ' · ' || pr.title, pr.deadline_at FROM projects pr \
         JOIN category_follows f ON f.category_code = pr.category_code JOIN organizations o ON o.id = f.org_id \
         WHERE o.id IN ({list}) AND pr.status = 'published' AND pr.deadline_at > $1 \
         AND NOT EXISTS (SELECT 1 FROM bids b WHERE b.project_id = pr.id AND b.round = pr.round AND b.org_id = o.id) \
         AND NOT EXISTS (SELECT 1 FROM doc_obtained d WHERE d.project_id = pr.id AND d.round = pr.round AND d.org_id = o.id) \
         ORDER BY pr.deadline_at, pr.id"
    )))
    .bind(now)
    .fetch_all(&mut *c)
    .await?;
    for (id, _org, number, subject, deadline) in open {
        let due = crate::domain::calendar::shanghai_date(crate::clock::from_ms(deadline));
        p.add(
            "queue-new-project",
            id,
            subject,
            Some((due, false)),
            format!("/projects/{number}"),
        );
        // Bids close at a moment, not at the end of the day.
        if let Some(last) = p.out.last_mut() {
            last.at = Some(crate::procurement::shanghai_time(deadline));
        }
    }
    if !scope.org_admin.is_empty() {
        let admin = ids(&scope.org_admin);
        // A challenge answered (or left unanswered past its 7 working days) may be taken to
        // the supervisor within 15 working days after the answer period: the admin who filed
        // it is told until when.
        let challenges: Vec<(i64, i64, String, String, i64)> =
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT ch.id, ch.org_id, pr.number, pr.number || ' · ' || pr.title, ch.due_at FROM challenges ch \
                 JOIN projects pr ON pr.id = ch.project_id \
                 WHERE ch.org_id IN ({admin}) AND ch.kind = 'challenge' \
                 AND (ch.answered_at IS NOT NULL OR ch.due_at < $1) \
                 AND NOT EXISTS (SELECT 1 FROM complaints k WHERE k.challenge_id = ch.id) ORDER BY ch.id"
            )))
            .bind(now)
            .fetch_all(&mut *c)
            .await?;
        for (id, org, number, subject, due_at) in challenges {
            let last = crate::award::end_of_working_days(p.cal, due_at, 15);
            if now > last {
                continue;
            }
            let last_day = crate::domain::calendar::shanghai_date(crate::clock::from_ms(last - 1));
            p.add(
                "queue-complaint-window",
                id,
                subject,
                Some((last_day, true)),
                format!("/projects/{number}/challenges/{org}"),
            );
        }
        // A 差 review of the organization's contract: it rectifies, the purchaser decides.
        let poor: Vec<(i64, i64, i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT r.id, k.org_id, k.id, pr.number || ' · ' || pr.title, r.milestone FROM perf_reviews r \
             JOIN contracts k ON k.id = r.contract_id JOIN projects pr ON pr.id = k.project_id \
             WHERE k.org_id IN ({admin}) AND r.submitted_at IS NOT NULL AND r.grade = 'poor' AND k.terminated_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM rectifications x WHERE x.review_id = r.id) ORDER BY r.id"
        )))
        .fetch_all(&mut *c)
        .await?;
        for (id, org, k, title, milestone) in poor {
            p.add(
                "queue-review-poor",
                id,
                format!("{title} · {milestone}"),
                None,
                format!("/orgs/{org}/contracts/{k}#reviews"),
            );
        }
        let year = i64::from(p.today.year()) - 1;
        let missing: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT o.id, o.name FROM organizations o WHERE o.id IN ({admin}) AND o.status = 'registered' \
             AND o.registered_on < $1 \
             AND NOT EXISTS (SELECT 1 FROM annual_reports a WHERE a.org_id = o.id AND a.year = $2) ORDER BY o.id"
        )))
        .bind(format!("{}-01-01", p.today.year()))
        .bind(year)
        .fetch_all(&mut *c)
        .await?;
        for (org, name) in missing {
            p.add(
                "queue-annual-report",
                org,
                format!("{name} · {year}"),
                None,
                format!("/orgs/{org}/registry"),
            );
        }
    }
    Ok(())
}
