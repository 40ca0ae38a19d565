//! The reads the work queues (`deadlines/queue/`) are derived from: each returns the rows of
//! one waiting state for the people it names; the queue turns them into tasks with a due date
//! and a link.

use super::{id_list, runs_in};
use crate::db::Conn;
use crate::domain::calendar::iso_date;
use time::Date;

/// The rows of one kind of work a person's list shows (issue 26): a work list, not the
/// register. At a nation's scale a department's contracts ended and not accepted were 50,000
/// rows read and sorted on every dashboard and every count of the navigation (145 ms); each
/// read stops one row past this, so the list can say that there are more.
pub const CAP: usize = 100;
const LIMIT: usize = CAP + 1;

/// Annual reports filed with the authorities and given no outcome yet.
pub async fn annual_reports_waiting(
    c: &mut Conn,
    authorities: &[i64],
) -> Result<Vec<(i64, i64, String, i64)>, sqlx::Error> {
    let list = id_list(authorities);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT a.id, o.id, o.name, a.year FROM annual_reports a JOIN organizations o ON o.id = a.org_id \
         WHERE o.authority_id IN ({list}) AND a.outcome IS NULL ORDER BY a.filed_on, a.id LIMIT {LIMIT}"
    )))
    .fetch_all(&mut *c)
    .await
}

/// Abnormal listings for a missing annual report whose report has since been filed.
pub async fn listings_to_remove(
    c: &mut Conn,
    authorities: &[i64],
) -> Result<Vec<(i64, i64, String, i64)>, sqlx::Error> {
    let list = id_list(authorities);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT l.id, o.id, o.name, l.ref_year FROM credit_listings l JOIN organizations o ON o.id = l.org_id \
         WHERE o.authority_id IN ({list}) AND l.list = 'abnormal' AND l.removed_on IS NULL \
         AND l.reason = 'annual_report_missing' \
         AND EXISTS (SELECT 1 FROM annual_reports a WHERE a.org_id = l.org_id AND a.year = l.ref_year) \
         ORDER BY l.listed_on, l.id LIMIT {LIMIT}"
    )))
    .fetch_all(&mut *c)
    .await
}

/// Objections and removal requests the organizations filed and no registrar answered.
pub async fn listing_requests_waiting(
    c: &mut Conn,
    authorities: &[i64],
) -> Result<Vec<(i64, i64, String, String)>, sqlx::Error> {
    let list = id_list(authorities);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT q.id, o.id, o.name, q.kind FROM listing_requests q JOIN organizations o ON o.id = q.org_id \
         WHERE o.authority_id IN ({list}) AND q.answered_on IS NULL ORDER BY q.filed_on, q.id LIMIT {LIMIT}"
    )))
    .fetch_all(&mut *c)
    .await
}

/// Abnormal listings whose rectification a registrar verified and that are not yet removed,
/// with the last day to remove them (民政部令60 art. 13).
pub async fn verified_listings(
    c: &mut Conn,
    authorities: &[i64],
) -> Result<Vec<(i64, i64, String, String)>, sqlx::Error> {
    let list = id_list(authorities);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT l.id, o.id, o.name, l.remove_by FROM credit_listings l JOIN organizations o ON o.id = l.org_id \
         WHERE o.authority_id IN ({list}) AND l.removed_on IS NULL AND l.verified_on IS NOT NULL \
         AND l.remove_by IS NOT NULL ORDER BY l.remove_by, l.id LIMIT {LIMIT}"
    )))
    .fetch_all(&mut *c)
    .await
}

/// A person's registration applications returned for correction.
pub async fn applications_to_correct(
    c: &mut Conn,
    user: i64,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT id, name FROM applications WHERE applicant_user_id = $1 AND status = 'correction' ORDER BY id LIMIT {LIMIT}")))
    .bind(user)
    .fetch_all(&mut *c)
    .await
}

/// An expert's evaluation sheets not yet submitted, with the round's scoring day.
pub async fn expert_sheets(
    c: &mut Conn,
    user: i64,
) -> Result<Vec<(i64, Option<i64>, String, String)>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT a.id, a.declared_at, o.name, r.scoring_due FROM eval_assignments a \
         JOIN eval_applications e ON e.id = a.eval_application_id JOIN eval_rounds r ON r.id = e.round_id \
         JOIN organizations o ON o.id = e.org_id \
         WHERE a.expert_user_id = $1 AND a.recused_at IS NULL AND a.submitted_at IS NULL AND e.status = 'review' \
         ORDER BY r.scoring_due, a.id LIMIT {LIMIT}")))
    .bind(user)
    .fetch_all(&mut *c)
    .await
}

/// An expert's seats on the panels of opened rounds, not yet scored.
pub async fn panel_seats(
    c: &mut Conn,
    user: i64,
) -> Result<Vec<(i64, Option<i64>, String, i64)>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT m.id, m.declared_at, pr.number || ' · ' || pr.title, pn.drawn_at FROM panel_members m JOIN panels pn ON pn.id = m.panel_id \
         JOIN projects pr ON pr.id = pn.project_id \
         WHERE m.user_id = $1 AND m.recused_at IS NULL AND m.submitted_at IS NULL AND m.status = 'seated' \
         AND pr.round = pn.round AND pr.status = 'opened' ORDER BY m.id LIMIT {LIMIT}")))
    .bind(user)
    .fetch_all(&mut *c)
    .await
}

/// Applications in review with fewer than three experts who have not stepped aside.
pub async fn applications_without_experts(
    c: &mut Conn,
    authorities: &[i64],
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    let list = id_list(authorities);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT e.id, o.name, r.scoring_due FROM eval_applications e JOIN eval_rounds r ON r.id = e.round_id \
         JOIN organizations o ON o.id = e.org_id \
         WHERE r.authority_id IN ({list}) AND e.status = 'review' AND \
         (SELECT COUNT(*) FROM eval_assignments a WHERE a.eval_application_id = e.id AND a.recused_at IS NULL) < 3 \
         ORDER BY r.scoring_due, e.id LIMIT {LIMIT}"
    )))
    .fetch_all(&mut *c)
    .await
}

/// Rounds open, in committee or in notice: title, status, notice end, applications and those in review.
pub async fn rounds_in_progress(
    c: &mut Conn,
    authorities: &[i64],
) -> Result<Vec<(i64, String, String, Option<String>, i64, i64)>, sqlx::Error> {
    let list = id_list(authorities);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT r.id, r.title, r.status, r.notice_to, \
             (SELECT COUNT(*) FROM eval_applications e WHERE e.round_id = r.id), \
             (SELECT COUNT(*) FROM eval_applications e WHERE e.round_id = r.id AND e.status = 'review') \
             FROM eval_rounds r WHERE r.authority_id IN ({list}) AND r.status IN ('open', 'committee', 'notice') ORDER BY r.id LIMIT {LIMIT}"
        )))
    .fetch_all(&mut *c)
    .await
}

/// Objections not yet answered, by their last day.
pub async fn open_objections(
    c: &mut Conn,
    authorities: &[i64],
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    let list = id_list(authorities);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT j.id, o.name, j.due_on FROM eval_objections j JOIN eval_applications e ON e.id = j.eval_application_id \
         JOIN eval_rounds r ON r.id = e.round_id JOIN organizations o ON o.id = e.org_id \
         WHERE r.authority_id IN ({list}) AND j.answered_at IS NULL ORDER BY j.due_on, j.id LIMIT {LIMIT}"
    )))
    .fetch_all(&mut *c)
    .await
}

/// Void certificates not yet returned, of organizations under these authorities: (grade id,
/// organization, the last day to return it). Issue 22, item 15.
pub async fn certificates_to_return(
    c: &mut Conn,
    authorities: &[i64],
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    let list = id_list(authorities);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT g.id, o.name, g.certificate_due_on FROM org_grades g JOIN organizations o ON o.id = g.org_id \
         WHERE o.authority_id IN ({list}) AND g.certificate_due_on IS NOT NULL \
         AND g.certificate_returned_on IS NULL ORDER BY g.certificate_due_on, g.id LIMIT {LIMIT}"
    )))
    .fetch_all(&mut *c)
    .await
}

/// The same certificates seen by the organizations that are to return them (their admins).
pub async fn own_certificates_to_return(
    c: &mut Conn,
    orgs: &[i64],
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    let list = id_list(orgs);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT g.id, o.name, g.certificate_due_on FROM org_grades g JOIN organizations o ON o.id = g.org_id \
         WHERE g.org_id IN ({list}) AND g.certificate_due_on IS NOT NULL \
         AND g.certificate_returned_on IS NULL ORDER BY g.certificate_due_on, g.id LIMIT {LIMIT}"
    )))
    .fetch_all(&mut *c)
    .await
}

/// Downgrade proposals not yet decided.
pub async fn undecided_downgrades(c: &mut Conn) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT d.id, o.name FROM grade_downgrades d JOIN organizations o ON o.id = d.org_id \
         WHERE d.decided_at IS NULL ORDER BY d.id LIMIT {LIMIT}"
    )))
    .fetch_all(&mut *c)
    .await
}

/// Performance reviews assigned to a person and not submitted, on contracts still running.
pub async fn reviews_assigned(
    c: &mut Conn,
    user: i64,
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT r.id, r.milestone, pr.number || ' · ' || pr.title FROM perf_reviews r JOIN contracts k ON k.id = r.contract_id \
         JOIN projects pr ON pr.id = k.project_id \
         WHERE r.reviewer_user_id = $1 AND r.submitted_at IS NULL AND k.terminated_at IS NULL ORDER BY r.id LIMIT {LIMIT}")))
    .bind(user)
    .fetch_all(&mut *c)
    .await
}

/// Deliverables filed and waiting for acceptance or return.
pub async fn deliverables_to_accept(
    c: &mut Conn,
    departments: &[i64],
) -> Result<Vec<(i64, i64, String, String)>, sqlx::Error> {
    let list = id_list(departments);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT d.id, k.id, pr.number || ' · ' || pr.title, d.milestone FROM deliverables d JOIN contracts k ON k.id = d.contract_id \
         JOIN projects pr ON pr.id = k.project_id \
         WHERE pr.department_id IN ({list}) AND d.status = 'submitted' AND k.terminated_at IS NULL ORDER BY d.id LIMIT {LIMIT}"
    )))
    .fetch_all(&mut *c)
    .await
}

/// 差 reviews waiting for the purchaser's rectification decision.
pub async fn poor_reviews_to_decide(
    c: &mut Conn,
    departments: &[i64],
) -> Result<Vec<(i64, i64, String, String)>, sqlx::Error> {
    let list = id_list(departments);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT r.id, k.id, pr.number || ' · ' || pr.title, r.milestone FROM perf_reviews r \
         JOIN contracts k ON k.id = r.contract_id JOIN projects pr ON pr.id = k.project_id \
         WHERE pr.department_id IN ({list}) AND r.submitted_at IS NOT NULL AND r.grade = 'poor' \
         AND k.terminated_at IS NULL AND NOT EXISTS (SELECT 1 FROM rectifications x WHERE x.review_id = r.id) ORDER BY r.id LIMIT {LIMIT}"
    )))
    .fetch_all(&mut *c)
    .await
}

/// Milestones whose deliverable was accepted and whose review nobody has opened.
pub async fn reviews_to_open(
    c: &mut Conn,
    departments: &[i64],
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(reviews_to_open_sql(departments)))
        .fetch_all(&mut *c)
        .await
}

/// `reviews_to_open`'s query (for the plan test).
pub fn reviews_to_open_sql(departments: &[i64]) -> String {
    let list = id_list(departments);
    format!(
        "SELECT k.id, pr.number || ' · ' || pr.title, i.review_name FROM installments i \
         JOIN contracts k ON k.id = i.contract_id JOIN projects pr ON pr.id = k.project_id \
         WHERE i.department_id IN ({list}) AND i.condition = 'review' AND i.payable_since IS NULL \
         AND i.review_name IS NOT NULL \
         AND k.terminated_at IS NULL AND k.accepted_at IS NULL \
         AND EXISTS (SELECT 1 FROM deliverables d WHERE d.contract_id = k.id AND d.milestone = i.review_name \
                     AND d.status = 'accepted') \
         AND NOT EXISTS (SELECT 1 FROM perf_reviews r WHERE r.contract_id = k.id AND r.milestone = i.review_name) \
         ORDER BY i.contract_id, i.pos LIMIT {LIMIT}"
    )
}

/// Contracts whose term has ended by `today`, not yet finally accepted.
pub async fn ended_unaccepted(
    c: &mut Conn,
    departments: &[i64],
    today: Date,
) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(ended_unaccepted_sql(departments)))
        .bind(iso_date(today))
        .fetch_all(&mut *c)
        .await
}

/// `ended_unaccepted`'s query (for the plan test).
pub fn ended_unaccepted_sql(departments: &[i64]) -> String {
    let list = id_list(departments);
    format!(
        "SELECT k.id, pr.number || ' · ' || pr.title, k.ends_on FROM contracts k JOIN projects pr ON pr.id = k.project_id \
         WHERE k.department_id IN ({list}) AND k.terminated_at IS NULL AND k.accepted_at IS NULL \
         AND k.ends_on <= $1 ORDER BY k.ends_on, k.id LIMIT {LIMIT}"
    )
}

/// Milestones of the organizations' running contracts with no deliverable filed or accepted.
pub async fn milestones_due(
    c: &mut Conn,
    orgs: &[i64],
) -> Result<Vec<(i64, i64, String, String)>, sqlx::Error> {
    let list = id_list(orgs);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT k.id, k.org_id, pr.number || ' · ' || pr.title, i.review_name FROM contracts k JOIN projects pr ON pr.id = k.project_id \
         JOIN installments i ON i.contract_id = k.id \
         WHERE k.org_id IN ({list}) AND k.terminated_at IS NULL AND k.accepted_at IS NULL \
         AND i.condition = 'review' AND i.review_name IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM deliverables d WHERE d.contract_id = k.id AND d.milestone = i.review_name \
                         AND d.kind = 'deliverable' AND d.status IN ('submitted', 'accepted')) ORDER BY k.id, i.pos LIMIT {LIMIT}"
    )))
    .fetch_all(&mut *c)
    .await
}

/// Evaluation rounds open to the organizations on `today` that they have not applied to.
pub async fn open_windows(
    c: &mut Conn,
    orgs: &[i64],
    today: Date,
) -> Result<Vec<(i64, i64, String, String)>, sqlx::Error> {
    let list = id_list(orgs);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT r.id, o.id, r.title, r.apply_to FROM eval_rounds r JOIN organizations o ON o.authority_id = r.authority_id \
         WHERE o.id IN ({list}) AND r.status = 'open' AND r.apply_from <= $1 AND r.apply_to >= $1 \
         AND NOT EXISTS (SELECT 1 FROM eval_applications e WHERE e.round_id = r.id AND e.org_id = o.id) ORDER BY r.apply_to LIMIT {LIMIT}"
    )))
    .bind(iso_date(today))
    .fetch_all(&mut *c)
    .await
}

/// Projects open for bids in a category the organizations follow, not yet taken up.
pub async fn followed_projects(
    c: &mut Conn,
    orgs: &[i64],
    now: i64,
) -> Result<Vec<(i64, i64, String, String, i64)>, sqlx::Error> {
    let list = id_list(orgs);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT pr.id, o.id, pr.number, pr.number || ' · ' || pr.title, pr.deadline_at FROM projects pr \
         JOIN category_follows f ON f.category_code = pr.category_code JOIN organizations o ON o.id = f.org_id \
         WHERE o.id IN ({list}) AND pr.status = 'published' AND pr.deadline_at > $1 \
         AND NOT EXISTS (SELECT 1 FROM bids b WHERE b.project_id = pr.id AND b.round = pr.round AND b.org_id = o.id) \
         AND NOT EXISTS (SELECT 1 FROM doc_obtained d WHERE d.project_id = pr.id AND d.round = pr.round AND d.org_id = o.id) \
         ORDER BY pr.deadline_at, pr.id LIMIT {LIMIT}"
    )))
    .bind(now)
    .fetch_all(&mut *c)
    .await
}

/// Projects still open for bids whose documents the organization obtained and which have a
/// newer version since (issue 21): (project, org, number, subject, deadline, newest version).
pub async fn newer_documents(
    c: &mut Conn,
    orgs: &[i64],
    now: i64,
) -> Result<Vec<(i64, i64, String, String, i64, i64)>, sqlx::Error> {
    let list = id_list(orgs);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT pr.id, d.org_id, pr.number, pr.number || ' · ' || pr.title, pr.deadline_at, \
         (SELECT MAX(v.version) FROM project_documents v WHERE v.project_id = pr.id AND v.round = pr.round) \
         FROM doc_obtained d JOIN projects pr ON pr.id = d.project_id AND pr.round = d.round \
         WHERE d.org_id IN ({list}) AND pr.status = 'published' AND pr.deadline_at > $1 \
         AND d.version < (SELECT MAX(v.version) FROM project_documents v WHERE v.project_id = pr.id AND v.round = pr.round) \
         ORDER BY pr.deadline_at, pr.id LIMIT {LIMIT}"
    )))
    .bind(now)
    .fetch_all(&mut *c)
    .await
}

/// The organizations' challenges answered (or past their answer period) and not complained of.
pub async fn complaint_windows(
    c: &mut Conn,
    orgs: &[i64],
    now: i64,
) -> Result<Vec<(i64, i64, String, String, i64)>, sqlx::Error> {
    let admin = id_list(orgs);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT ch.id, ch.org_id, pr.number, pr.number || ' · ' || pr.title, ch.due_at FROM challenges ch \
                 JOIN projects pr ON pr.id = ch.project_id \
                 WHERE ch.org_id IN ({admin}) AND ch.kind = 'challenge' \
                 AND (ch.answered_at IS NOT NULL OR ch.due_at < $1) \
                 AND NOT EXISTS (SELECT 1 FROM complaints k WHERE k.challenge_id = ch.id) ORDER BY ch.id LIMIT {LIMIT}"
            )))
    .bind(now)
    .fetch_all(&mut *c)
    .await
}

/// 差 reviews of the organizations' running contracts without a rectification decision.
pub async fn poor_reviews_to_rectify(
    c: &mut Conn,
    orgs: &[i64],
) -> Result<Vec<(i64, i64, i64, String, String)>, sqlx::Error> {
    let admin = id_list(orgs);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT r.id, k.org_id, k.id, pr.number || ' · ' || pr.title, r.milestone FROM perf_reviews r \
             JOIN contracts k ON k.id = r.contract_id JOIN projects pr ON pr.id = k.project_id \
             WHERE k.org_id IN ({admin}) AND r.submitted_at IS NOT NULL AND r.grade = 'poor' AND k.terminated_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM rectifications x WHERE x.review_id = r.id) ORDER BY r.id LIMIT {LIMIT}"
        )))
    .fetch_all(&mut *c)
    .await
}

/// Organizations registered before this year without last year's annual report.
pub async fn annual_reports_missing(
    c: &mut Conn,
    orgs: &[i64],
    today: Date,
) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let admin = id_list(orgs);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT o.id, o.name FROM organizations o WHERE o.id IN ({admin}) AND o.status = 'registered' \
             AND o.registered_on < $1 \
             AND NOT EXISTS (SELECT 1 FROM annual_reports a WHERE a.org_id = o.id AND a.year = $2) ORDER BY o.id LIMIT {LIMIT}"
        )))
    .bind(format!("{}-01-01", today.year()))
    .bind(i64::from(today.year()) - 1)
    .fetch_all(&mut *c)
    .await
}

/// Questions on published notices of the projects they run, not yet answered.
pub async fn unanswered_questions(
    c: &mut Conn,
    departments: &[i64],
    agencies: &[i64],
) -> Result<Vec<(i64, i64, String, Option<i64>)>, sqlx::Error> {
    let runs = runs_in(departments, agencies, "pr", "published");
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT q.id, pr.id, pr.number || ' · ' || pr.title, pr.deadline_at FROM project_questions q \
         JOIN projects pr ON pr.id = q.project_id AND q.round = pr.round \
         WHERE {runs} AND q.answered_at IS NULL ORDER BY q.id LIMIT {LIMIT}"
    )))
    .fetch_all(&mut *c)
    .await
}

/// Opened rounds without an award: bids opened, qualification and compliance decisions, panels.
/// Read from the unit's opened projects (`+pr.id`: SQLite would otherwise walk every project
/// in id order to skip the sort of a handful).
pub async fn opened_rounds(
    c: &mut Conn,
    departments: &[i64],
    agencies: &[i64],
) -> Result<Vec<(i64, String, i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(opened_rounds_sql(
        departments,
        agencies,
    )))
    .fetch_all(&mut *c)
    .await
}

/// `opened_rounds`'s query (for the plan test).
pub fn opened_rounds_sql(departments: &[i64], agencies: &[i64]) -> String {
    let runs = runs_in(departments, agencies, "pr", "opened");
    format!(
        "SELECT pr.id, pr.number || ' · ' || pr.title, \
         (SELECT COUNT(*) FROM opening_bids ob JOIN openings op ON op.id = ob.opening_id \
          WHERE op.project_id = pr.id AND op.round = pr.round AND op.envelope = 'initial'), \
         (SELECT COUNT(*) FROM bid_reviews br JOIN openings op ON op.id = br.opening_id \
          WHERE op.project_id = pr.id AND op.round = pr.round AND op.envelope = 'initial' \
          AND br.stage IN ('qualification', 'compliance')), \
         (SELECT COUNT(*) FROM panels pn WHERE pn.project_id = pr.id AND pn.round = pr.round) \
         FROM projects pr WHERE {runs} \
         AND EXISTS (SELECT 1 FROM openings op WHERE op.project_id = pr.id AND op.round = pr.round AND op.envelope = 'initial') \
         AND NOT EXISTS (SELECT 1 FROM awards a WHERE a.project_id = pr.id AND a.round = pr.round) \
         ORDER BY +pr.id LIMIT {LIMIT}"
    )
}

/// The departments' draft projects.
pub async fn drafts(c: &mut Conn, departments: &[i64]) -> Result<Vec<(i64, String)>, sqlx::Error> {
    let list = id_list(departments);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, number || ' · ' || title FROM projects WHERE department_id IN ({list}) AND status = 'draft' ORDER BY id LIMIT {LIMIT}"
    )))
    .fetch_all(&mut *c)
    .await
}

/// Winners whose award notice is out and who have no contract yet.
pub async fn winners_to_sign(
    c: &mut Conn,
    departments: &[i64],
) -> Result<Vec<(i64, i64, String, i64)>, sqlx::Error> {
    let list = id_list(departments);
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT w.id, pr.id, pr.number || ' · ' || pr.title || ' · ' || o.name, a.notice_at FROM award_winners w \
         JOIN awards a ON a.id = w.award_id JOIN projects pr ON pr.id = a.project_id \
         JOIN organizations o ON o.id = w.org_id \
         WHERE w.status = 'winner' AND w.signed_at IS NULL AND pr.department_id IN ({list}) AND a.round = pr.round \
         AND a.notice_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contracts k WHERE k.winner_id = w.id) ORDER BY w.id LIMIT {LIMIT}"
    )))
    .fetch_all(&mut *c)
    .await
}

/// Suspension orders not lifted on complaints not yet decided.
pub async fn running_orders(c: &mut Conn) -> Result<Vec<(i64, i64, String, String)>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT s.id, s.complaint_id, pr.number || ' · ' || pr.title, s.until_on FROM suspension_orders s JOIN complaints k ON k.id = s.complaint_id \
         JOIN projects pr ON pr.id = s.project_id \
         WHERE s.lifted_at IS NULL AND k.decided_at IS NULL ORDER BY s.until_on, s.id LIMIT {LIMIT}")))
    .fetch_all(&mut *c)
    .await
}

/// Supplier sign-ups waiting for a decision.
pub async fn pending_suppliers(c: &mut Conn) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, name FROM suppliers WHERE status = 'pending' ORDER BY applied_at, id LIMIT {LIMIT}"
    )))
    .fetch_all(&mut *c)
    .await
}

/// Mail given up for good (`failed`): the address, the subject and the last error, oldest
/// first.
pub async fn failed_mail(c: &mut Conn) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id, to_addr, subject FROM mail_outbox WHERE status = 'failed' ORDER BY id LIMIT {LIMIT}"
    )))
    .fetch_all(&mut *c)
    .await
}
