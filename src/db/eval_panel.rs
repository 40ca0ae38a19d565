//! Evaluation, the people around an application: expert assignments and their item scores,
//! objections filed during the notice, the grades awarded and the downgrades proposed.

use super::Conn;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Debug, Clone, Serialize)]
pub struct Assignment {
    pub id: i64,
    pub app_id: i64,
    pub round_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub expert_user_id: i64,
    pub expert_name: String,
    pub expert_email: String,
    pub assigned_at: i64,
    pub declared_at: Option<i64>,
    pub recused_at: Option<i64>,
    pub recusal_reason: Option<String>,
    pub submitted_at: Option<i64>,
}

const ASSIGNMENT_SELECT: &str = "SELECT s.*, e.round_id AS round_id, e.org_id AS org_id, \
    o.name AS org_name, u.display_name AS expert_name, u.email AS expert_email \
    FROM eval_assignments s JOIN eval_applications e ON e.id = s.eval_application_id \
    JOIN organizations o ON o.id = e.org_id JOIN users u ON u.id = s.expert_user_id";

fn assignment(r: &AnyRow) -> Result<Assignment, sqlx::Error> {
    Ok(Assignment {
        id: r.try_get("id")?,
        app_id: r.try_get("eval_application_id")?,
        round_id: r.try_get("round_id")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        expert_user_id: r.try_get("expert_user_id")?,
        expert_name: r.try_get("expert_name")?,
        expert_email: r.try_get("expert_email")?,
        assigned_at: r.try_get("assigned_at")?,
        declared_at: r.try_get("declared_at")?,
        recused_at: r.try_get("recused_at")?,
        recusal_reason: r.try_get("recusal_reason")?,
        submitted_at: r.try_get("submitted_at")?,
    })
}

async fn assignments_where(
    c: &mut Conn,
    cond: &str,
    id: i64,
) -> Result<Vec<Assignment>, sqlx::Error> {
    let sql = format!("{ASSIGNMENT_SELECT} WHERE {cond} = $1 ORDER BY s.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(c)
        .await?;
    rows.iter().map(assignment).collect()
}

pub async fn assignment_by_id(c: &mut Conn, id: i64) -> Result<Option<Assignment>, sqlx::Error> {
    Ok(assignments_where(c, "s.id", id).await?.into_iter().next())
}

pub async fn assignments_of_app(c: &mut Conn, app: i64) -> Result<Vec<Assignment>, sqlx::Error> {
    assignments_where(c, "s.eval_application_id", app).await
}

pub async fn assignments_of_expert(
    c: &mut Conn,
    user: i64,
) -> Result<Vec<Assignment>, sqlx::Error> {
    assignments_where(c, "s.expert_user_id", user).await
}

pub async fn assignments_of_round(
    c: &mut Conn,
    round: i64,
) -> Result<Vec<Assignment>, sqlx::Error> {
    assignments_where(c, "e.round_id", round).await
}

/// Adds an assignment, recused at once when `recusal` names a reason. False if the expert is
/// already assigned to this application.
pub async fn assign(
    c: &mut Conn,
    app: i64,
    expert: i64,
    by: i64,
    recusal: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO eval_assignments (eval_application_id, expert_user_id, assigned_by, assigned_at, \
         recused_at, recusal_reason) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (eval_application_id, expert_user_id) DO NOTHING",
    )
    .bind(app)
    .bind(expert)
    .bind(by)
    .bind(now)
    .bind(recusal.map(|_| now))
    .bind(recusal)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The expert's declaration: no conflict (`None`) opens the scoring form, a conflict recuses.
pub async fn declare(
    c: &mut Conn,
    id: i64,
    conflict: Option<&str>,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE eval_assignments SET declared_at = $1, recused_at = $2, recusal_reason = $3 \
         WHERE id = $4 AND declared_at IS NULL AND recused_at IS NULL",
    )
    .bind(now)
    .bind(conflict.map(|_| now))
    .bind(conflict)
    .bind(id)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Locks the expert's scores; false if already submitted or recused.
pub async fn submit(c: &mut Conn, id: i64, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE eval_assignments SET submitted_at = $1 WHERE id = $2 AND submitted_at IS NULL \
         AND recused_at IS NULL AND declared_at IS NOT NULL",
    )
    .bind(now)
    .bind(id)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the person is or was, on or after `since`, a member or an officer of the
/// organization (dated memberships, and officer terms recorded with its applications).
pub async fn worked_for(
    c: &mut Conn,
    person: i64,
    org: i64,
    since: &str,
) -> Result<Option<&'static str>, sqlx::Error> {
    let member: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships WHERE person_id = $1 AND org_id = $2 \
         AND (left_on IS NULL OR left_on >= $3)",
    )
    .bind(person)
    .bind(org)
    .bind(since)
    .fetch_one(&mut *c)
    .await?;
    if member > 0 {
        return Ok(Some("member"));
    }
    let officer: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM application_officers f JOIN applications a ON a.id = f.application_id \
         WHERE f.person_id = $1 AND a.org_id = $2 AND f.removed_at IS NULL AND f.term_end >= $3",
    )
    .bind(person)
    .bind(org)
    .bind(since)
    .fetch_one(&mut *c)
    .await?;
    Ok((officer > 0).then_some("officer"))
}

#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub assignment_id: i64,
    pub item_code: String,
    pub centi: i64,
    pub comment: String,
}

pub async fn save_score(c: &mut Conn, s: &Score, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO eval_scores (assignment_id, item_code, centi, comment, updated_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (assignment_id, item_code) \
         DO UPDATE SET centi = excluded.centi, comment = excluded.comment, updated_at = excluded.updated_at",
    )
    .bind(s.assignment_id)
    .bind(&s.item_code)
    .bind(s.centi)
    .bind(&s.comment)
    .bind(now)
    .execute(c)
    .await?;
    Ok(())
}

pub async fn clear_score(c: &mut Conn, assignment: i64, code: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM eval_scores WHERE assignment_id = $1 AND item_code = $2")
        .bind(assignment)
        .bind(code)
        .execute(c)
        .await?;
    Ok(())
}

fn score(r: &AnyRow) -> Result<Score, sqlx::Error> {
    Ok(Score {
        assignment_id: r.try_get("assignment_id")?,
        item_code: r.try_get("item_code")?,
        centi: r.try_get("centi")?,
        comment: r.try_get("comment")?,
    })
}

/// One expert's own scores.
pub async fn scores_of(c: &mut Conn, assignment: i64) -> Result<Vec<Score>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT assignment_id, item_code, centi, comment FROM eval_scores WHERE assignment_id = $1",
    )
    .bind(assignment)
    .fetch_all(c)
    .await?;
    rows.iter().map(score).collect()
}

/// The submitted scores of every application of a round, with each one's application
/// (recused experts excluded): the committee's aggregate sheet.
pub async fn submitted_scores_of_round(
    c: &mut Conn,
    round: i64,
) -> Result<Vec<(i64, Score)>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT s.eval_application_id AS app_id, x.assignment_id, x.item_code, x.centi, x.comment \
         FROM eval_scores x JOIN eval_assignments s ON s.id = x.assignment_id \
         JOIN eval_applications e ON e.id = s.eval_application_id WHERE e.round_id = $1 \
         AND s.submitted_at IS NOT NULL AND s.recused_at IS NULL ORDER BY x.assignment_id",
    )
    .bind(round)
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("app_id")?, score(r)?)))
        .collect()
}

/// The submitted scores of an application's experts (recused experts excluded).
pub async fn submitted_scores(c: &mut Conn, app: i64) -> Result<Vec<Score>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT x.assignment_id, x.item_code, x.centi, x.comment FROM eval_scores x \
         JOIN eval_assignments s ON s.id = x.assignment_id WHERE s.eval_application_id = $1 \
         AND s.submitted_at IS NOT NULL AND s.recused_at IS NULL ORDER BY x.assignment_id",
    )
    .bind(app)
    .fetch_all(c)
    .await?;
    rows.iter().map(score).collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct Objection {
    pub id: i64,
    pub app_id: i64,
    pub org_name: String,
    pub round_id: i64,
    pub kind: String,
    pub name: String,
    pub contact: String,
    pub body: String,
    pub filed_by: Option<i64>,
    pub filed_on: String,
    pub due_on: String,
    pub answer: Option<String>,
    pub answered_on: Option<String>,
    /// PJYJ-2027-000123; every objection has one (older ones numbered by the migration).
    pub reference: Option<String>,
}

pub struct NewObjection<'a> {
    pub app_id: i64,
    pub kind: &'a str,
    pub name: &'a str,
    pub contact: &'a str,
    pub body: &'a str,
    pub filed_by: Option<i64>,
    pub filed_on: &'a str,
    pub due_on: &'a str,
}

/// The highest reference given so far that starts with `prefix` (one year's: "PJYJ-2027-").
pub async fn highest_objection_reference(
    c: &mut Conn,
    prefix: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT MAX(reference) FROM eval_objections WHERE reference LIKE $1")
        .bind(format!("{prefix}%"))
        .fetch_one(c)
        .await
}

/// Adds an objection with its reference and the SHA-256 of its link's token.
pub async fn add_objection(
    c: &mut Conn,
    o: &NewObjection<'_>,
    reference: &str,
    token_hash: &str,
    now: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO eval_objections (eval_application_id, kind, name, contact, body, filed_by, \
         filed_on, due_on, filed_at, reference, token_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
    )
    .bind(o.app_id)
    .bind(o.kind)
    .bind(o.name)
    .bind(o.contact)
    .bind(o.body)
    .bind(o.filed_by)
    .bind(o.filed_on)
    .bind(o.due_on)
    .bind(now)
    .bind(reference)
    .bind(token_hash)
    .fetch_one(c)
    .await
}

const OBJECTION_SELECT: &str = "SELECT j.*, e.round_id AS round_id, o.name AS org_name \
    FROM eval_objections j JOIN eval_applications e ON e.id = j.eval_application_id \
    JOIN organizations o ON o.id = e.org_id";

pub async fn objections_where(
    c: &mut Conn,
    cond: &str,
    id: i64,
) -> Result<Vec<Objection>, sqlx::Error> {
    let sql = format!("{OBJECTION_SELECT} WHERE {cond} = $1 ORDER BY j.due_on, j.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(c)
        .await?;
    rows.iter().map(objection).collect()
}

fn objection(r: &AnyRow) -> Result<Objection, sqlx::Error> {
    Ok(Objection {
        id: r.try_get("id")?,
        app_id: r.try_get("eval_application_id")?,
        org_name: r.try_get("org_name")?,
        round_id: r.try_get("round_id")?,
        kind: r.try_get("kind")?,
        name: r.try_get("name")?,
        contact: r.try_get("contact")?,
        body: r.try_get("body")?,
        filed_by: r.try_get("filed_by")?,
        filed_on: r.try_get("filed_on")?,
        due_on: r.try_get("due_on")?,
        answer: r.try_get("answer")?,
        answered_on: r.try_get("answered_on")?,
        reference: r.try_get("reference")?,
    })
}

/// The objection whose link token has this SHA-256.
pub async fn objection_by_token(
    c: &mut Conn,
    token_hash: &str,
) -> Result<Option<Objection>, sqlx::Error> {
    let sql = format!("{OBJECTION_SELECT} WHERE j.token_hash = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(token_hash)
        .fetch_optional(c)
        .await?;
    row.as_ref().map(objection).transpose()
}

/// An answered objection as the public reads it: no name, no contact, not the objector's own
/// words (they may name people); the organization it concerns and the written answer.
#[derive(Debug, Clone, Serialize)]
pub struct AnsweredObjection {
    pub reference: Option<String>,
    pub kind: String,
    pub org_name: String,
    pub filed_on: String,
    pub answered_on: Option<String>,
    pub answer: String,
}

/// A round's answered objections, by reference.
pub async fn answered_objections(
    c: &mut Conn,
    round: i64,
) -> Result<Vec<AnsweredObjection>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT j.reference, j.kind, o.name AS org_name, j.filed_on, j.answered_on, j.answer \
         FROM eval_objections j JOIN eval_applications e ON e.id = j.eval_application_id \
         JOIN organizations o ON o.id = e.org_id \
         WHERE e.round_id = $1 AND j.answer IS NOT NULL ORDER BY j.id",
    )
    .bind(round)
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(AnsweredObjection {
                reference: r.try_get("reference")?,
                kind: r.try_get("kind")?,
                org_name: r.try_get("org_name")?,
                filed_on: r.try_get("filed_on")?,
                answered_on: r.try_get("answered_on")?,
                answer: r.try_get("answer")?,
            })
        })
        .collect()
}

pub async fn answer_objection(
    c: &mut Conn,
    id: i64,
    answer: &str,
    by: i64,
    on: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE eval_objections SET answer = $1, answered_by = $2, answered_on = $3, answered_at = $4 \
         WHERE id = $5 AND answer IS NULL",
    )
    .bind(answer)
    .bind(by)
    .bind(on)
    .bind(now)
    .bind(id)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, Serialize)]
pub struct GradeRow {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    /// The organization's registering authority (whose officers track its certificate).
    pub authority_id: Option<i64>,
    pub app_id: Option<i64>,
    pub grade: String,
    pub announced_on: String,
    pub valid_from: String,
    pub valid_to: String,
    pub ended_on: Option<String>,
    pub end_reason: Option<String>,
    /// A void certificate's last day to be returned, and the day it was (issue 22, item 15).
    pub certificate_due_on: Option<String>,
    pub certificate_returned_on: Option<String>,
}

pub struct NewGrade<'a> {
    pub org_id: i64,
    pub app_id: Option<i64>,
    pub grade: &'a str,
    pub announced_on: &'a str,
    pub valid_from: &'a str,
    pub valid_to: &'a str,
}

pub async fn add_grade(c: &mut Conn, g: &NewGrade<'_>, now: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO org_grades (org_id, eval_application_id, grade, announced_on, valid_from, \
         valid_to, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(g.org_id)
    .bind(g.app_id)
    .bind(g.grade)
    .bind(g.announced_on)
    .bind(g.valid_from)
    .bind(g.valid_to)
    .bind(now)
    .fetch_one(c)
    .await
}

const GRADE_SELECT: &str = "SELECT g.*, o.name AS org_name, o.authority_id AS authority_id \
    FROM org_grades g JOIN organizations o ON o.id = g.org_id";

pub async fn grades_where(c: &mut Conn, cond: &str, id: i64) -> Result<Vec<GradeRow>, sqlx::Error> {
    let sql = format!("{GRADE_SELECT} WHERE {cond} = $1 ORDER BY g.valid_from, g.id");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_all(c)
        .await?;
    rows.iter().map(grade_row).collect()
}

fn grade_row(r: &AnyRow) -> Result<GradeRow, sqlx::Error> {
    Ok(GradeRow {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        org_name: r.try_get("org_name")?,
        authority_id: r.try_get("authority_id")?,
        app_id: r.try_get("eval_application_id")?,
        grade: r.try_get("grade")?,
        announced_on: r.try_get("announced_on")?,
        valid_from: r.try_get("valid_from")?,
        valid_to: r.try_get("valid_to")?,
        ended_on: r.try_get("ended_on")?,
        end_reason: r.try_get("end_reason")?,
        certificate_due_on: r.try_get("certificate_due_on")?,
        certificate_returned_on: r.try_get("certificate_returned_on")?,
    })
}

/// Ends a grade early (downgrade) or records its expiry, with the day its certificate is due
/// back (none below 3A); false if already ended.
pub async fn end_grade(
    c: &mut Conn,
    id: i64,
    on: &str,
    reason: &str,
    certificate_due: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE org_grades SET ended_on = $1, end_reason = $2, certificate_due_on = $3 \
         WHERE id = $4 AND ended_on IS NULL",
    )
    .bind(on)
    .bind(reason)
    .bind(certificate_due)
    .bind(id)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Grades past their validity not yet recorded as expired: (id, grade).
pub async fn lapsed_grades(c: &mut Conn, today: &str) -> Result<Vec<(i64, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, grade FROM org_grades WHERE ended_on IS NULL AND valid_to < $1")
        .bind(today)
        .fetch_all(c)
        .await
}

/// The certificates void because their grade ended, newest first, with their return (the
/// public list and the officer's): only those whose return is tracked (ended since issue 22).
pub async fn void_certificates(c: &mut Conn) -> Result<Vec<GradeRow>, sqlx::Error> {
    let sql = format!(
        "{GRADE_SELECT} WHERE g.certificate_due_on IS NOT NULL ORDER BY g.ended_on DESC, g.id DESC"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(c).await?;
    rows.iter().map(grade_row).collect()
}

/// Records that a void certificate came back (compare-and-set: once); false if it was not
/// due back or is recorded already.
pub async fn certificate_returned(
    c: &mut Conn,
    id: i64,
    on: &str,
    by: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE org_grades SET certificate_returned_on = $1, certificate_returned_by = $2 \
         WHERE id = $3 AND certificate_due_on IS NOT NULL AND certificate_returned_on IS NULL",
    )
    .bind(on)
    .bind(by)
    .bind(id)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Organizations holding `grade` on `day` (validity covers it and not ended before it).
pub async fn orgs_with_grade(
    c: &mut Conn,
    grade: &str,
    day: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT org_id FROM org_grades WHERE grade = $1 AND valid_from <= $2 \
         AND valid_to >= $2 AND (ended_on IS NULL OR ended_on > $2)",
    )
    .bind(grade)
    .bind(day)
    .fetch_all(c)
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct Downgrade {
    pub id: i64,
    pub org_id: i64,
    pub authority_id: Option<i64>,
    pub org_name: String,
    pub grade_id: i64,
    pub grade: String,
    pub cause: String,
    pub detail: String,
    pub proposed_on: String,
    pub outcome: Option<String>,
    pub new_grade: Option<String>,
    pub reason: Option<String>,
}

/// Proposes a downgrade once per grade, cause and detail.
pub async fn propose_downgrade(
    c: &mut Conn,
    org: i64,
    grade: i64,
    cause: &str,
    detail: &str,
    on: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO grade_downgrades (org_id, grade_id, cause, detail, proposed_on, proposed_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (grade_id, cause, detail) DO NOTHING",
    )
    .bind(org)
    .bind(grade)
    .bind(cause)
    .bind(detail)
    .bind(on)
    .bind(now)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn downgrades(c: &mut Conn, pending_only: bool) -> Result<Vec<Downgrade>, sqlx::Error> {
    let sql = format!(
        "SELECT d.*, o.name AS org_name, o.authority_id AS authority_id, g.grade AS grade FROM grade_downgrades d \
         JOIN organizations o ON o.id = d.org_id JOIN org_grades g ON g.id = d.grade_id {} ORDER BY d.id",
        if pending_only {
            "WHERE d.outcome IS NULL"
        } else {
            ""
        }
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch_all(c).await?;
    rows.iter()
        .map(|r| {
            Ok(Downgrade {
                id: r.try_get("id")?,
                org_id: r.try_get("org_id")?,
                authority_id: r.try_get("authority_id")?,
                org_name: r.try_get("org_name")?,
                grade_id: r.try_get("grade_id")?,
                grade: r.try_get("grade")?,
                cause: r.try_get("cause")?,
                detail: r.try_get("detail")?,
                proposed_on: r.try_get("proposed_on")?,
                outcome: r.try_get("outcome")?,
                new_grade: r.try_get("new_grade")?,
                reason: r.try_get("reason")?,
            })
        })
        .collect()
}

pub async fn decide_downgrade(
    c: &mut Conn,
    id: i64,
    outcome: &str,
    new_grade: Option<&str>,
    reason: &str,
    by: i64,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE grade_downgrades SET outcome = $1, new_grade = $2, reason = $3, decided_by = $4, \
         decided_at = $5 WHERE id = $6 AND outcome IS NULL",
    )
    .bind(outcome)
    .bind(new_grade)
    .bind(reason)
    .bind(by)
    .bind(now)
    .bind(id)
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

#[derive(Debug, Clone, Serialize)]
pub struct ExpertRow {
    pub id: i64,
    pub name: String,
    pub person_id: i64,
}

/// Users holding the expert role now (and not disabled) in the evaluation library: the
/// procurement review experts are a separate library (issue 22, item 20).
pub async fn experts(c: &mut Conn) -> Result<Vec<ExpertRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT DISTINCT u.id, u.display_name, u.person_id FROM users u JOIN role_grants g ON g.user_id = u.id \
         JOIN expert_pools p ON p.user_id = u.id AND p.pool = 'evaluation' \
         WHERE g.role = 'expert' AND g.revoked_at IS NULL AND u.disabled_at IS NULL ORDER BY u.id",
    )
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ExpertRow {
                id: r.try_get("id")?,
                name: r.try_get("display_name")?,
                person_id: r.try_get("person_id")?,
            })
        })
        .collect()
}

/// Objections to the round's applications not answered yet.
pub async fn unanswered_objections(c: &mut Conn, round: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM eval_objections j JOIN eval_applications e ON e.id = j.eval_application_id \
         WHERE e.round_id = $1 AND j.answer IS NULL",
    )
    .bind(round)
    .fetch_one(&mut *c)
    .await
}

/// The latest end of validity of the organization's grades in force on `day`.
pub async fn grade_valid_to(
    c: &mut Conn,
    org: i64,
    day: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT MAX(valid_to) FROM org_grades WHERE org_id = $1 AND ended_on IS NULL AND valid_to >= $2",
    )
    .bind(org)
    .bind(day.to_string())
    .fetch_one(&mut *c)
    .await
}

/// Each downgrade cause's query: (grade id, org id, detail) of grades in force announced before it.
const DOWNGRADE_CAUSES: [(&str, &str); 3] = [
    (
        "inspection_failed",
        "SELECT g.id, g.org_id, CAST(r.year AS TEXT) FROM org_grades g JOIN annual_reports r ON r.org_id = g.org_id \
         WHERE g.ended_on IS NULL AND g.valid_to >= $1 AND r.outcome = 'unqualified' AND r.outcome_on >= g.announced_on",
    ),
    (
        "basic_pass_twice",
        "SELECT g.id, g.org_id, CAST(r.year AS TEXT) FROM org_grades g JOIN annual_reports r ON r.org_id = g.org_id \
         JOIN annual_reports p ON p.org_id = r.org_id AND p.year = r.year - 1 \
         WHERE g.ended_on IS NULL AND g.valid_to >= $1 AND r.outcome = 'basically_qualified' \
         AND p.outcome = 'basically_qualified' AND r.outcome_on >= g.announced_on",
    ),
    (
        "penalty",
        "SELECT g.id, g.org_id, CAST(p.id AS TEXT) FROM org_grades g JOIN penalties p ON p.org_id = g.org_id \
         WHERE g.ended_on IS NULL AND g.valid_to >= $1 AND p.kind <> 'investigation' AND p.decided_on >= g.announced_on",
    ),
];

/// The causes a grade is proposed for a downgrade on, in the order they are looked at.
pub fn downgrade_causes() -> impl Iterator<Item = &'static str> {
    DOWNGRADE_CAUSES.iter().map(|(cause, _)| *cause)
}

/// (grade id, org id, detail) of the grades in force on `day` that `cause` calls a downgrade
/// for (none for an unknown cause).
pub async fn downgrade_grounds(
    c: &mut Conn,
    cause: &str,
    day: &str,
) -> Result<Vec<(i64, i64, String)>, sqlx::Error> {
    let Some((_, sql)) = DOWNGRADE_CAUSES.iter().find(|(k, _)| *k == cause) else {
        return Ok(Vec::new());
    };
    sqlx::query_as(sqlx::AssertSqlSafe(*sql))
        .bind(day.to_string())
        .fetch_all(&mut *c)
        .await
}
